package io.nexo.lb;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the balancer needs to run, validated once: where to listen, which backends, and the
 * timeouts and limits around them. Built from flags (or a file) and handed to {@link LoadBalancer}.
 *
 * @param listen          address to accept clients on (port 0 = any free port)
 * @param backends        backend servers in rotation order; at least one, no duplicates
 * @param policy          name of the load-balancing policy, e.g. {@code round-robin}
 * @param connectTimeout  how long a backend connect may take before the next backend is tried
 * @param checkInterval   time between active TCP health checks of each backend; zero disables
 *                        active checks and passive marking (every connect then tries every backend)
 * @param rise            consecutive successful checks that bring a DOWN backend UP
 * @param fall            consecutive failed checks that take an UP backend DOWN
 * @param idleTimeout     a connection with no bytes in either direction for this long is closed;
 *                        zero means never
 * @param maxConnections  client connections served at once; more are refused (closed at once)
 * @param drainTimeout    on stop, how long open connections may take to finish before being closed
 * @param ioThreads       event loop threads; zero means one per available CPU
 */
public record LbConfig(HostAndPort listen,
                       List<HostAndPort> backends,
                       String policy,
                       Duration connectTimeout,
                       Duration checkInterval,
                       int rise,
                       int fall,
                       Duration idleTimeout,
                       int maxConnections,
                       Duration drainTimeout,
                       int ioThreads) {

    public static final HostAndPort DEFAULT_LISTEN = new HostAndPort("127.0.0.1", 8000);
    /** The seed's three demo backends. */
    public static final List<HostAndPort> DEFAULT_BACKENDS = List.of(
            new HostAndPort("127.0.0.1", 8001), new HostAndPort("127.0.0.1", 8002),
            new HostAndPort("127.0.0.1", 8003));
    public static final String DEFAULT_POLICY = "round-robin";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** HAProxy's {@code inter 2s rise 2 fall 3}. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(2);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_IO_THREADS = 0;

    public LbConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(policy, "policy");
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("backends: none given (expected: at least one HOST:PORT)");
        }
        Set<HostAndPort> seen = new HashSet<>();
        for (HostAndPort b : backends) {
            if (b.port() == 0) {
                throw new IllegalArgumentException("backend " + b + ": port 0 (expected: 1-65535)");
            }
            if (!seen.add(b)) {
                throw new IllegalArgumentException("backend " + b + ": listed twice (expected: each backend once)");
            }
        }
        if (policy.isBlank()) {
            throw new IllegalArgumentException("policy: empty (expected: a policy name such as round-robin)");
        }
        requirePositive("connect-timeout", connectTimeout);
        requireNotNegative("check-interval", checkInterval);
        requireNotNegative("idle-timeout", idleTimeout);
        requireNotNegative("drain-timeout", drainTimeout);
        if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connect-timeout: " + format(connectTimeout)
                    + " (expected: at most 24 days)");
        }
        if (rise < 1) {
            throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
        }
        if (fall < 1) {
            throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max-connections: " + maxConnections + " (expected: >= 1)");
        }
        if (ioThreads < 0) {
            throw new IllegalArgumentException("io-threads: " + ioThreads + " (expected: >= 0, 0 = one per CPU)");
        }
    }

    /** The defaults of {@code nexo lb}, with the given listen address and backends. */
    public static LbConfig defaults(HostAndPort listen, List<HostAndPort> backends) {
        return new LbConfig(listen, backends, DEFAULT_POLICY, DEFAULT_CONNECT_TIMEOUT, DEFAULT_CHECK_INTERVAL,
                DEFAULT_RISE, DEFAULT_FALL, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_DRAIN_TIMEOUT,
                DEFAULT_IO_THREADS);
    }

    /**
     * The same balancer as a one-listener, one-pool {@link BalancerConfig} (listener named after its
     * address, pool {@code default}, backends named after their addresses), which is what runs.
     * Health checks time out after the connect timeout or the interval, whichever is shorter.
     */
    public BalancerConfig toBalancerConfig() {
        Duration interval = healthChecksEnabled() ? checkInterval : DEFAULT_CHECK_INTERVAL;
        Duration checkTimeout = connectTimeout.compareTo(interval) < 0 ? connectTimeout : interval;
        HealthCheckConfig health = new HealthCheckConfig(healthChecksEnabled(), interval, checkTimeout, rise, fall);
        PoolConfig pool = new PoolConfig("default", policy, backends.stream().map(BackendConfig::of).toList(),
                health, connectTimeout, idleTimeout, ProxyProtocol.NONE);
        ListenerConfig listener = new ListenerConfig(null, listen, pool.name(), maxConnections);
        return BalancerConfig.single(listener, pool, Optional.empty(), false, drainTimeout);
    }

    /** Whether active health checks (and with them passive marking) run. */
    public boolean healthChecksEnabled() {
        return !checkInterval.isZero();
    }

    /** The event loop thread count actually used. */
    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }

    public LbConfig withListen(HostAndPort newListen) {
        return new LbConfig(newListen, backends, policy, connectTimeout, checkInterval, rise, fall, idleTimeout,
                maxConnections, drainTimeout, ioThreads);
    }

    public LbConfig withConnectTimeout(Duration value) {
        return new LbConfig(listen, backends, policy, value, checkInterval, rise, fall, idleTimeout,
                maxConnections, drainTimeout, ioThreads);
    }

    public LbConfig withHealthChecks(Duration interval, int newRise, int newFall) {
        return new LbConfig(listen, backends, policy, connectTimeout, interval, newRise, newFall, idleTimeout,
                maxConnections, drainTimeout, ioThreads);
    }

    public LbConfig withIdleTimeout(Duration value) {
        return new LbConfig(listen, backends, policy, connectTimeout, checkInterval, rise, fall, value,
                maxConnections, drainTimeout, ioThreads);
    }

    public LbConfig withMaxConnections(int value) {
        return new LbConfig(listen, backends, policy, connectTimeout, checkInterval, rise, fall, idleTimeout,
                value, drainTimeout, ioThreads);
    }

    public LbConfig withDrainTimeout(Duration value) {
        return new LbConfig(listen, backends, policy, connectTimeout, checkInterval, rise, fall, idleTimeout,
                maxConnections, value, ioThreads);
    }

    public LbConfig withIoThreads(int value) {
        return new LbConfig(listen, backends, policy, connectTimeout, checkInterval, rise, fall, idleTimeout,
                maxConnections, drainTimeout, value);
    }

    private static String format(Duration d) {
        return d.toMillis() + "ms";
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + format(d) + " (expected: > 0)");
        }
    }

    private static void requireNotNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + ": " + format(d) + " (expected: >= 0)");
        }
    }
}
