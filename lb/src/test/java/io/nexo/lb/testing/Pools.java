package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.policy.LoadBalancingPolicy;

import java.util.List;

/** Backend pools for tests that drive a pool or a health checker without a balancer around it. */
public final class Pools {

    private Pools() {
    }

    /** One backend at {@code address}, round robin, passive marking on (as when checks run). */
    public static BackendPool single(HostAndPort address, int rise, int fall) {
        Backend backend = new Backend(BackendConfig.of(address), rise, fall);
        return new BackendPool("default", List.of(backend), LoadBalancingPolicy.roundRobin(), true);
    }
}
