package io.nexo.lb;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.health.HealthChecker;
import io.nexo.lb.policy.Policies;
import io.nexo.lb.proxy.BackendConnector;
import io.nexo.lb.tls.BackendTls;
import io.nexo.lb.tls.TlsStats;

import java.util.ArrayList;
import java.util.List;

/** A pool at runtime: its backends and policy, how to connect to them, who checks them. */
final class PoolRuntime {

    final PoolConfig config;
    final BackendPool pool;
    final BackendConnector connector;
    /** Handshakes to this pool's backends (with backend-tls); carried over reloads like the backends. */
    final TlsStats backendTlsStats;
    private final Transport transport;
    HealthChecker checker;

    private PoolRuntime(PoolConfig config, BackendPool pool, Transport transport, ByteBufAllocator allocator,
                        TlsStats backendTlsStats) {
        this.config = config;
        this.pool = pool;
        this.transport = transport;
        this.backendTlsStats = backendTlsStats;
        this.connector = new BackendConnector(pool, transport.socketChannelFactory(),
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()), allocator,
                LoadBalancer.WATER_MARK, config.proxyProtocol(),
                config.backendTls().enabled() ? new BackendTls(config.name(), config.backendTls(), backendTlsStats) : null);
    }

    /**
     * A pool for {@code pc}. Backends of {@code old} with the same name and address are reused (their
     * counters and open connections carry over) but not changed yet: {@link ConfigApplier} applies the
     * new settings once nothing can fail any more. A new backend of a running pool (a DNS answer, the
     * admin API, a reload) with checks on {@linkplain Backend#joining joins}: no client before a check
     * passed. The backends a balancer starts with start UP.
     */
    static PoolRuntime build(PoolConfig pc, PoolRuntime old, Transport transport, ByteBufAllocator allocator) {
        List<Backend> backends = new ArrayList<>();
        for (BackendConfig bc : pc.backends()) {
            Backend reused = null;
            if (old != null) {
                for (Backend b : old.pool.all()) {
                    if (b.name().equals(bc.name()) && b.address().equals(bc.address())) {
                        reused = b;
                    }
                }
            }
            int rise = pc.healthCheck().rise();
            int fall = pc.healthCheck().fall();
            backends.add(reused != null ? reused
                    : old != null && pc.healthCheck().enabled() ? Backend.joining(bc, rise, fall)
                    : new Backend(bc, rise, fall));
        }
        BackendPool pool = new BackendPool(pc.name(), backends, Policies.byName(pc.policy()),
                pc.healthCheck().enabled());
        return new PoolRuntime(pc, pool, transport, allocator, old != null ? old.backendTlsStats : new TlsStats());
    }

    /** Starts the health checks on one loop of {@code group}, when enabled and not started yet. */
    void startChecks(EventLoopGroup group) {
        if (config.healthCheck().enabled() && checker == null) {
            checker = new HealthChecker(pool, group.next(), transport.socketChannelClass(),
                    config.healthCheck().interval(), config.healthCheck().timeout(),
                    config.healthCheck().protocol());
            checker.start();
        }
    }

    void stopChecks() {
        if (checker != null) {
            checker.close();
        }
    }
}
