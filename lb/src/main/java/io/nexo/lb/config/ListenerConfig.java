package io.nexo.lb.config;

import io.nexo.core.net.HostAndPort;
import java.util.Objects;

/**
 * One listening socket and the pool its connections go to.
 *
 * @param name           unique; {@code null} or blank = the listen address as printed ({@code [::1]:8000})
 * @param maxConnections client connections at once, at least 1; beyond it new ones are refused (closed
 *                       at once), so a flood of clients cannot take unbounded memory
 * @param pool           the pool connections go to; with SNI routes, the pool of unknown names, or
 *                       {@code null} to close them
 * @param maxConnectionsPerIp client connections at once from one IPv4 address or one IPv6 /64, 0 = no
 *                       limit of its own; so one client cannot hold all {@code maxConnections} slots
 * @param tls            plain TCP, TLS termination or SNI passthrough
 */
public record ListenerConfig(String name, HostAndPort listen, String pool, int maxConnections,
                             int maxConnectionsPerIp, ListenerTlsConfig tls) {

    /** The same for the {@code --max-connections} flag and a listener's {@code max-connections} key. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    public ListenerConfig {
        Objects.requireNonNull(listen, "listen");
        name = name == null || name.isBlank() ? listen.toString() : name;
        Names.check("listener name", name);
        Objects.requireNonNull(tls, "tls");
        if (pool != null || !tls.routesBySni()) {
            Names.check("pool", pool);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max-connections: " + maxConnections + " (expected: >= 1)");
        }
        if (maxConnectionsPerIp < 0 || maxConnectionsPerIp > maxConnections) {
            throw new IllegalArgumentException("max-connections-per-ip: " + maxConnectionsPerIp
                    + " (expected: 0 = no limit, or 1-" + maxConnections + ", the listener's max-connections)");
        }
    }

    /** A plain-TCP listener without a per-client-IP limit. */
    public ListenerConfig(String name, HostAndPort listen, String pool, int maxConnections) {
        this(name, listen, pool, maxConnections, 0, ListenerTlsConfig.NONE);
    }

    /** A plain-TCP listener. */
    public ListenerConfig(String name, HostAndPort listen, String pool, int maxConnections, int maxConnectionsPerIp) {
        this(name, listen, pool, maxConnections, maxConnectionsPerIp, ListenerTlsConfig.NONE);
    }

    /** A listener without a per-client-IP limit. */
    public ListenerConfig(String name, HostAndPort listen, String pool, int maxConnections, ListenerTlsConfig tls) {
        this(name, listen, pool, maxConnections, 0, tls);
    }
}
