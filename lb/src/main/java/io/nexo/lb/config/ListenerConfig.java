package io.nexo.lb.config;

import io.nexo.core.net.HostAndPort;
import java.util.Objects;

/**
 * One listening socket and the pool its connections go to.
 *
 * @param maxConnections client connections at once, 0 = unlimited; beyond it new ones are refused
 */
public record ListenerConfig(String name, HostAndPort listen, String pool, int maxConnections) {

    public ListenerConfig {
        Objects.requireNonNull(listen, "listen");
        name = name == null || name.isBlank() ? listen.toString() : name;
        Names.check("listener name", name);
        Names.check("pool", pool);
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max-connections: " + maxConnections + " (expected: >= 0, 0 = unlimited)");
        }
    }
}
