package io.nexo.lb.config;

import io.nexo.core.admin.AdminAccessConfig;
import io.nexo.core.admin.AdminAccessPolicy;
import io.nexo.core.config.Durations;
import io.nexo.core.net.HostAndPort;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one {@code nexo lb} runs: its listeners, the pools they feed, and process-wide
 * settings. Built from a YAML file by {@link ConfigLoader} or from flags; immutable, so a reload
 * swaps a whole new instance in.
 *
 * @param admin        where the admin API listens, empty = off
 * @param adminAccess  its token, metrics protection and allowed Host names; a non-loopback {@code admin}
 *                     address needs a token file
 * @param accessLog    one log line per closed connection
 * @param drainTimeout how long a graceful stop waits for open connections
 */
public record BalancerConfig(List<ListenerConfig> listeners, Map<String, PoolConfig> pools,
                             Optional<HostAndPort> admin, boolean accessLog, Duration drainTimeout,
                             AdminAccessConfig adminAccess) {

    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public BalancerConfig {
        listeners = List.copyOf(listeners);
        pools = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(adminAccess, "adminAccess");
        if (admin.isPresent() && !AdminAccessPolicy.isLoopback(admin.get()) && adminAccess.tokenFile().isEmpty()) {
            throw new IllegalArgumentException("admin: " + admin.get() + " is not a loopback address and no token "
                    + "file is set (expected: a loopback address, or --admin-token-file / token-file)");
        }
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners: none (expected: at least one)");
        }
        Set<String> names = new HashSet<>();
        Set<HostAndPort> addresses = new HashSet<>();
        for (ListenerConfig l : listeners) {
            if (!names.add(l.name())) {
                throw new IllegalArgumentException("listener name '" + l.name() + "' appears twice (expected: unique names)");
            }
            if (l.listen().port() != 0 && !addresses.add(l.listen())) {
                throw new IllegalArgumentException("listen address " + l.listen() + " is used by two listeners");
            }
            List<String> used = new java.util.ArrayList<>(l.tls().sniRoutes().values());
            if (l.pool() != null) {
                used.add(l.pool());
            }
            for (String pool : used) {
                if (!pools.containsKey(pool)) {
                    throw new IllegalArgumentException("listener " + l.name() + ": pool '" + pool
                            + "' is not defined (expected one of: " + String.join(", ", pools.keySet()) + ")");
                }
            }
        }
        for (Map.Entry<String, PoolConfig> e : pools.entrySet()) {
            if (!e.getKey().equals(e.getValue().name())) {
                throw new IllegalArgumentException("pool key '" + e.getKey() + "' differs from its name '"
                        + e.getValue().name() + "'");
            }
        }
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain-timeout: " + Durations.format(drainTimeout) + " (expected: >= 0)");
        }
    }

    /** Without admin access settings: no token, metrics open, only the admin's own Host names. */
    public BalancerConfig(List<ListenerConfig> listeners, Map<String, PoolConfig> pools,
                          Optional<HostAndPort> admin, boolean accessLog, Duration drainTimeout) {
        this(listeners, pools, admin, accessLog, drainTimeout, AdminAccessConfig.DEFAULT);
    }

    /** The same configuration with the admin API on {@code address} (a flag overriding the file). */
    public BalancerConfig withAdmin(Optional<HostAndPort> address) {
        return new BalancerConfig(listeners, pools, address, accessLog, drainTimeout, adminAccess);
    }

    /** The same configuration with these admin access settings (flags overriding the file). */
    public BalancerConfig withAdminAccess(AdminAccessConfig access) {
        return new BalancerConfig(listeners, pools, admin, accessLog, drainTimeout, access);
    }

    /** The same configuration with {@code value} as its pools (e.g. with the backends found in DNS). */
    public BalancerConfig withPools(Map<String, PoolConfig> value) {
        return new BalancerConfig(listeners, value, admin, accessLog, drainTimeout);
    }

    public BalancerConfig withAccessLog(boolean enabled) {
        return new BalancerConfig(listeners, pools, admin, enabled, drainTimeout, adminAccess);
    }

    /**
     * One listener (named after its address) over one pool named {@link PoolConfig#FLAGS_POOL} of
     * these backends (named after their addresses), every other setting at its default: what
     * {@code nexo lb --listen L --backend B...} runs.
     */
    public static BalancerConfig onePool(HostAndPort listen, List<HostAndPort> backends) {
        PoolConfig pool = new PoolConfig(PoolConfig.FLAGS_POOL, PoolConfig.DEFAULT_POLICY,
                backends.stream().map(BackendConfig::of).toList(), HealthCheckConfig.DEFAULT,
                PoolConfig.DEFAULT_CONNECT_TIMEOUT, PoolConfig.DEFAULT_IDLE_TIMEOUT, ProxyProtocol.NONE);
        ListenerConfig listener = new ListenerConfig(null, listen, pool.name(), ListenerConfig.DEFAULT_MAX_CONNECTIONS);
        return single(listener, pool, Optional.empty(), false, DEFAULT_DRAIN_TIMEOUT);
    }

    /** One listener over one pool. */
    public static BalancerConfig single(ListenerConfig listener, PoolConfig pool, Optional<HostAndPort> admin,
                                        boolean accessLog, Duration drainTimeout) {
        return new BalancerConfig(List.of(listener), Map.of(pool.name(), pool), admin, accessLog, drainTimeout);
    }
}
