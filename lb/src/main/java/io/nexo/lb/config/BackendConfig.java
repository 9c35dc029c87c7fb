package io.nexo.lb.config;

import io.nexo.core.net.HostAndPort;
import java.util.Objects;

/**
 * One backend server of a pool.
 *
 * @param name           unique within the pool; used by the admin API and metrics labels
 * @param address        where to connect
 * @param weight         relative share for weighted policies, 1-256 (HAProxy's range)
 * @param backup         receives connections only while no primary backend of the pool is up
 * @param maxConnections connections at once, 0 = unlimited; when reached the backend is skipped
 */
public record BackendConfig(String name, HostAndPort address, int weight, boolean backup, int maxConnections) {

    public static final int DEFAULT_WEIGHT = 1;
    public static final int MAX_WEIGHT = 256;

    public BackendConfig {
        Objects.requireNonNull(address, "address");
        if (address.port() == 0) {
            throw new IllegalArgumentException("address: " + address + ": port 0 (expected: 1-65535)");
        }
        name = name == null || name.isBlank() ? address.toString() : name;
        Names.check("backend name", name);
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: 1-" + MAX_WEIGHT + ")");
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max-connections: " + maxConnections + " (expected: >= 0, 0 = unlimited)");
        }
    }

    /** A primary backend with default weight and no connection limit, named after its address. */
    public static BackendConfig of(HostAndPort address) {
        return new BackendConfig(null, address, DEFAULT_WEIGHT, false, 0);
    }
}
