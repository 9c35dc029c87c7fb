package io.nexo.lb.backend;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.health.HealthState;
import io.nexo.lb.policy.Endpoint;
import io.nexo.lb.stats.BackendStats;

import java.net.InetSocketAddress;

/**
 * One backend server: its name and address (resolved once, at start or reload, as HAProxy does), its
 * health, what an operator set on it, and its counters. The proxy and the health checker update it;
 * policies only read it. A reload that keeps a backend's pool, name and address keeps this object,
 * so its counters and open connections carry over; weight, backup and max-connections are updated.
 */
public final class Backend implements Endpoint {

    private final String name;
    private final HostAndPort address;
    private final InetSocketAddress socketAddress;
    private final BackendStats stats = new BackendStats();
    private volatile HealthState health;
    private volatile int weight;
    private volatile boolean backup;
    private volatile int maxConnections;
    private volatile AdminState adminState = AdminState.ENABLED;

    /**
     * A backend that starts UP (the pools a balancer starts with).
     *
     * @throws IllegalArgumentException when the host name does not resolve
     */
    public Backend(BackendConfig config, int rise, int fall) {
        this(config, new HealthState(rise, fall));
    }

    /**
     * A backend joining a running pool whose health checks are on: it takes no client until a check
     * passed ({@link HealthState#joining}).
     *
     * @throws IllegalArgumentException when the host name does not resolve
     */
    public static Backend joining(BackendConfig config, int rise, int fall) {
        return new Backend(config, HealthState.joining(rise, fall));
    }

    private Backend(BackendConfig config, HealthState health) {
        this.name = config.name();
        this.address = config.address();
        InetSocketAddress resolved = address.toSocketAddress();
        if (resolved.isUnresolved()) {
            throw new IllegalArgumentException("backend " + address + ": host '" + address.host()
                    + "' does not resolve (expected: a resolvable name or an IP address)");
        }
        this.socketAddress = resolved;
        this.health = health;
        apply(config);
    }

    /** Takes the weight, backup flag and connection limit of a reloaded config. */
    public void apply(BackendConfig config) {
        if (!config.name().equals(name) || !config.address().equals(address)) {
            throw new IllegalArgumentException("backend " + name + " (" + address + ") cannot become "
                    + config.name() + " (" + config.address() + ")");
        }
        this.weight = config.weight();
        this.backup = config.backup();
        this.maxConnections = config.maxConnections();
    }

    /** New rise/fall thresholds, starting {@code up} or down. */
    public void setHealthThresholds(int rise, int fall, boolean up) {
        this.health = new HealthState(rise, fall, up);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public HostAndPort address() {
        return address;
    }

    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    @Override
    public int weight() {
        return weight;
    }

    /** Changes the weight at runtime; the pool must republish its endpoints afterwards. */
    void setWeight(int newWeight) {
        if (newWeight < 1 || newWeight > BackendConfig.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + newWeight + " (expected: 1-" + BackendConfig.MAX_WEIGHT + ")");
        }
        this.weight = newWeight;
    }

    public boolean backup() {
        return backup;
    }

    public int maxConnections() {
        return maxConnections;
    }

    /** Whether one more connection fits under {@code max-connections}. */
    public boolean hasCapacity() {
        int max = maxConnections;
        return max == 0 || stats.active() < max;
    }

    @Override
    public int activeConnections() {
        return stats.active();
    }

    public boolean isUp() {
        return health.isUp();
    }

    /** Joining a running pool and not checked yet: its first check is due at once. */
    public boolean isJoining() {
        return health.isJoining();
    }

    HealthState health() {
        return health;
    }

    public AdminState adminState() {
        return adminState;
    }

    void setAdminState(AdminState state) {
        this.adminState = state;
    }

    /** Up and enabled: may be handed new connections (capacity permitting). */
    public boolean isUsable() {
        return adminState == AdminState.ENABLED && isUp();
    }

    /** What the balancer does with it, as the status API and stats page show it. */
    public String state() {
        return switch (adminState) {
            case DISABLED -> "disabled";
            case DRAIN -> "drain";
            case ENABLED -> isUp() ? "up" : "down";
        };
    }

    public BackendStats stats() {
        return stats;
    }

    /** A proxied connection to this backend started (counted from the connect attempt on). */
    public void connectionOpened() {
        stats.connectionStarted();
    }

    /** The backend accepted a connection counted by {@link #connectionOpened()}. */
    public void connectionEstablished() {
        stats.connectionEstablished();
    }

    public void connectionClosed() {
        stats.connectionClosed();
    }

    @Override
    public String toString() {
        return name.equals(address.toString()) ? name : name + " (" + address + ")";
    }
}
