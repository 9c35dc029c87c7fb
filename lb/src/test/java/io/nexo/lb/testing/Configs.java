package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Balancer configurations for tests: port-0 listeners, health checks only when the test asks. */
public final class Configs {

    /** Checks on (so connect failures mark backends down), but only the test's checkNow() runs them. */
    public static final HealthCheckConfig MANUAL_CHECKS =
            new HealthCheckConfig(true, Duration.ofHours(1), Duration.ofSeconds(2), 1, 1);
    public static final HealthCheckConfig NO_CHECKS =
            new HealthCheckConfig(false, Duration.ofHours(1), Duration.ofSeconds(2), 1, 1);

    private Configs() {
    }

    public static ListenerConfig listener(String name, String pool) {
        return new ListenerConfig(name, new HostAndPort("127.0.0.1", 0), pool, ListenerConfig.DEFAULT_MAX_CONNECTIONS);
    }

    public static BackendConfig backend(String name, HostAndPort address) {
        return new BackendConfig(name, address, 1, false, 0);
    }

    public static BackendConfig backend(NamedBackend b) {
        return backend(b.name(), b.address());
    }

    public static PoolConfig pool(String name, String policy, List<BackendConfig> backends) {
        return pool(name, policy, backends, MANUAL_CHECKS, ProxyProtocol.NONE);
    }

    public static PoolConfig pool(String name, String policy, List<BackendConfig> backends,
                                  HealthCheckConfig checks, ProxyProtocol proxyProtocol) {
        return new PoolConfig(name, policy, backends, checks, Duration.ofSeconds(2), Duration.ofHours(1),
                proxyProtocol);
    }

    public static BalancerConfig config(List<ListenerConfig> listeners, PoolConfig... pools) {
        Map<String, PoolConfig> map = new LinkedHashMap<>();
        for (PoolConfig p : pools) {
            map.put(p.name(), p);
        }
        return new BalancerConfig(listeners, map, Optional.empty(), false, Duration.ofSeconds(5));
    }
}
