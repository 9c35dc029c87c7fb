package io.nexo.lb.config;

import io.nexo.core.config.Durations;
import io.nexo.lb.policy.Policies;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named group of backends and how connections are spread over them.
 *
 * @param policy         a name from {@link Policies#names()}
 * @param connectTimeout how long a connect to a backend may take before the next one is tried
 * @param idleTimeout    a connection with no traffic either way for this long is closed; 0 = never
 * @param proxyProtocol  whether backends get a PROXY protocol header first
 * @param backendTls     plaintext or TLS towards the backends
 * @param dns            backends found in DNS besides the listed ones; with it the list may be empty
 */
public record PoolConfig(String name, String policy, List<BackendConfig> backends, HealthCheckConfig healthCheck,
                         Duration connectTimeout, Duration idleTimeout, ProxyProtocol proxyProtocol,
                         BackendTlsConfig backendTls, DnsConfig dns) {

    /** The name of the one pool that the flags of {@code nexo lb} describe. */
    public static final String FLAGS_POOL = "default";
    public static final String DEFAULT_POLICY = "round-robin";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    public PoolConfig {
        Names.check("pool name", name);
        Objects.requireNonNull(policy, "policy");
        if (!Policies.exists(policy)) {
            throw new IllegalArgumentException("policy: '" + policy + "' (expected one of: "
                    + String.join(", ", Policies.names()) + ")");
        }
        backends = List.copyOf(backends);
        Objects.requireNonNull(dns, "dns");
        if (backends.isEmpty() && !dns.enabled()) {
            throw new IllegalArgumentException("pool " + name + ": no backends (expected: at least one)");
        }
        if (!dns.enabled() && backends.stream().allMatch(BackendConfig::backup)) {
            throw new IllegalArgumentException("pool " + name + ": every backend is a backup (expected: at least one primary)");
        }
        Set<String> names = new HashSet<>();
        for (BackendConfig b : backends) {
            if (!names.add(b.name())) {
                throw new IllegalArgumentException("pool " + name + ": backend name '" + b.name()
                        + "' appears twice (expected: unique names)");
            }
        }
        Objects.requireNonNull(healthCheck, "healthCheck");
        Objects.requireNonNull(proxyProtocol, "proxyProtocol");
        Objects.requireNonNull(backendTls, "backendTls");
        if (connectTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("connect-timeout: " + Durations.format(connectTimeout)
                    + " (expected: >= 1ms)");
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idle-timeout: " + Durations.format(idleTimeout)
                    + " (expected: >= 0, 0 = none)");
        }
    }

    /** A pool with plaintext backends and no DNS discovery. */
    public PoolConfig(String name, String policy, List<BackendConfig> backends, HealthCheckConfig healthCheck,
                      Duration connectTimeout, Duration idleTimeout, ProxyProtocol proxyProtocol) {
        this(name, policy, backends, healthCheck, connectTimeout, idleTimeout, proxyProtocol, BackendTlsConfig.NONE);
    }

    /** A pool without DNS discovery. */
    public PoolConfig(String name, String policy, List<BackendConfig> backends, HealthCheckConfig healthCheck,
                      Duration connectTimeout, Duration idleTimeout, ProxyProtocol proxyProtocol,
                      BackendTlsConfig backendTls) {
        this(name, policy, backends, healthCheck, connectTimeout, idleTimeout, proxyProtocol, backendTls,
                DnsConfig.NONE);
    }

    /**
     * A health check's timeout when none is given (flags never give one): as long as a connect may
     * take, but no longer than the interval, so one check ends before the next starts.
     */
    public static Duration defaultCheckTimeout(Duration connectTimeout, Duration interval) {
        return connectTimeout.compareTo(interval) < 0 ? connectTimeout : interval;
    }

    public PoolConfig withProxyProtocol(ProxyProtocol value) {
        return new PoolConfig(name, policy, backends, healthCheck, connectTimeout, idleTimeout, value, backendTls, dns);
    }

    public PoolConfig withHealthCheck(HealthCheckConfig value) {
        return new PoolConfig(name, policy, backends, value, connectTimeout, idleTimeout, proxyProtocol, backendTls,
                dns);
    }

    public PoolConfig withDns(DnsConfig value) {
        return new PoolConfig(name, policy, backends, healthCheck, connectTimeout, idleTimeout, proxyProtocol,
                backendTls, value);
    }

    /** The same pool with {@code value} as its backends (e.g. the listed ones plus those found in DNS). */
    public PoolConfig withBackends(List<BackendConfig> value) {
        return new PoolConfig(name, policy, value, healthCheck, connectTimeout, idleTimeout, proxyProtocol, backendTls,
                dns);
    }

    /** The backend named {@code backendName}, or {@code null}. */
    public BackendConfig backend(String backendName) {
        for (BackendConfig b : backends) {
            if (b.name().equals(backendName)) {
                return b;
            }
        }
        return null;
    }
}
