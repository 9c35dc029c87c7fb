package io.nexo.lb.backend;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.health.HealthState;
import io.nexo.lb.policy.Endpoint;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend server: its address (resolved once, at start, as HAProxy does), its health and the
 * connections it carries. The proxy and the health checker update it; policies only read it.
 */
public final class Backend implements Endpoint {

    private final HostAndPort address;
    private final InetSocketAddress socketAddress;
    private final HealthState health;
    private final AtomicInteger active = new AtomicInteger();

    /**
     * @throws IllegalArgumentException when the host name does not resolve
     */
    public Backend(HostAndPort address, int rise, int fall) {
        this.address = address;
        InetSocketAddress resolved = address.toSocketAddress();
        if (resolved.isUnresolved()) {
            throw new IllegalArgumentException("backend " + address + ": host '" + address.host()
                    + "' does not resolve (expected: a resolvable name or an IP address)");
        }
        this.socketAddress = resolved;
        this.health = new HealthState(rise, fall);
    }

    @Override
    public String name() {
        return address.toString();
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
        return 1;
    }

    @Override
    public int activeConnections() {
        return active.get();
    }

    public boolean isUp() {
        return health.isUp();
    }

    HealthState health() {
        return health;
    }

    /** A proxied connection to this backend started (counted from the connect attempt on). */
    public void connectionOpened() {
        active.incrementAndGet();
    }

    public void connectionClosed() {
        active.decrementAndGet();
    }

    @Override
    public String toString() {
        return name();
    }
}
