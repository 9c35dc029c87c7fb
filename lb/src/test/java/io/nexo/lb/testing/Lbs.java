package io.nexo.lb.testing;

import io.netty.buffer.ByteBufAllocator;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One-pool balancers for tests, as {@code nexo lb --listen 127.0.0.1:0 --backend ...} would run them:
 * ephemeral listen port, one io thread, checks driven by hand.
 *
 * @param checkInterval zero = no health checks at all
 */
public record Lbs(HostAndPort listen, List<HostAndPort> backends, Duration connectTimeout, Duration checkInterval,
                  int rise, int fall, Duration idleTimeout, int maxConnections, int ioThreads) {

    /** What {@code nexo lb} runs with no flag but the backends (checks every 2 s, one io thread per CPU). */
    public static Lbs defaults(List<HostAndPort> backends) {
        HealthCheckConfig d = HealthCheckConfig.DEFAULT;
        return new Lbs(new HostAndPort("127.0.0.1", 0), backends, PoolConfig.DEFAULT_CONNECT_TIMEOUT, d.interval(),
                d.rise(), d.fall(), PoolConfig.DEFAULT_IDLE_TIMEOUT, ListenerConfig.DEFAULT_MAX_CONNECTIONS, 0);
    }

    /** Health checks on, but so rare that only the test's {@code checkNow()} runs them; rise 1, fall 1. */
    public static Lbs manualChecks(List<HostAndPort> backends) {
        return new Lbs(new HostAndPort("127.0.0.1", 0), backends, Duration.ofSeconds(2), Duration.ofHours(1), 1, 1,
                PoolConfig.DEFAULT_IDLE_TIMEOUT, ListenerConfig.DEFAULT_MAX_CONNECTIONS, 1);
    }

    /** No health checks at all: every connection tries backends in turn. */
    public static Lbs noChecks(List<HostAndPort> backends) {
        return manualChecks(backends).withHealthChecks(Duration.ZERO, 1, 1);
    }

    public Lbs withListen(HostAndPort value) {
        return new Lbs(value, backends, connectTimeout, checkInterval, rise, fall, idleTimeout, maxConnections,
                ioThreads);
    }

    public Lbs withConnectTimeout(Duration value) {
        return new Lbs(listen, backends, value, checkInterval, rise, fall, idleTimeout, maxConnections, ioThreads);
    }

    public Lbs withHealthChecks(Duration interval, int newRise, int newFall) {
        return new Lbs(listen, backends, connectTimeout, interval, newRise, newFall, idleTimeout, maxConnections,
                ioThreads);
    }

    public Lbs withIdleTimeout(Duration value) {
        return new Lbs(listen, backends, connectTimeout, checkInterval, rise, fall, value, maxConnections, ioThreads);
    }

    public Lbs withMaxConnections(int value) {
        return new Lbs(listen, backends, connectTimeout, checkInterval, rise, fall, idleTimeout, value, ioThreads);
    }

    public Lbs withIoThreads(int value) {
        return new Lbs(listen, backends, connectTimeout, checkInterval, rise, fall, idleTimeout, maxConnections, value);
    }

    /** The configuration: listener and backends named after their addresses, pool {@code default}. */
    public BalancerConfig config() {
        boolean checks = !checkInterval.isZero();
        Duration interval = checks ? checkInterval : HealthCheckConfig.DEFAULT.interval();
        PoolConfig pool = new PoolConfig(PoolConfig.FLAGS_POOL, PoolConfig.DEFAULT_POLICY,
                backends.stream().map(BackendConfig::of).toList(),
                new HealthCheckConfig(checks, interval, PoolConfig.defaultCheckTimeout(connectTimeout, interval),
                        rise, fall),
                connectTimeout, idleTimeout, ProxyProtocol.NONE);
        return BalancerConfig.single(new ListenerConfig(null, listen, pool.name(), maxConnections), pool,
                Optional.empty(), false, BalancerConfig.DEFAULT_DRAIN_TIMEOUT);
    }

    /** A balancer (not started) on the fastest transport. */
    public LoadBalancer balancer() {
        return new LoadBalancer(config(), ioThreads);
    }

    public LoadBalancer balancer(Transport transport, ByteBufAllocator allocator) {
        return new LoadBalancer(config(), ioThreads, transport, allocator);
    }
}
