package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LbConfig;

import java.time.Duration;
import java.util.List;

/** Balancer configurations for tests: ephemeral listen port, one io thread, checks driven by hand. */
public final class Lbs {

    private Lbs() {
    }

    /** Health checks on, but so rare that only the test's {@code checkNow()} runs them; rise 1, fall 1. */
    public static LbConfig manualChecks(List<HostAndPort> backends) {
        return LbConfig.defaults(new HostAndPort("127.0.0.1", 0), backends)
                .withHealthChecks(Duration.ofHours(1), 1, 1)
                .withConnectTimeout(Duration.ofSeconds(2))
                .withIoThreads(1);
    }

    /** No health checks at all: every connection tries backends in turn. */
    public static LbConfig noChecks(List<HostAndPort> backends) {
        return manualChecks(backends).withHealthChecks(Duration.ZERO, 1, 1);
    }
}
