package io.nexo.lb.proxy;

import io.nexo.lb.stats.ListenerStats;
import io.nexo.lb.tls.SniRouter;
import io.nexo.lb.tls.TlsTerminator;

/**
 * The live settings of one listening socket, swapped whole on reload while the socket stays open:
 * new connections read the current {@link Route} once, when accepted, and keep it for their life.
 */
public final class ListenerState {

    /**
     * Where a new connection goes.
     *
     * @param listenerName   for logs and the access log
     * @param connector      the pool's connector (policy, failover, PROXY protocol)
     * @param idleNanos      idle timeout, 0 = none
     * @param maxConnections client connections at once on this listener, 0 = unlimited
     * @param maxConnectionsPerIp the same per client IPv4 address or IPv6 /64, 0 = unlimited
     * @param tls            terminates TLS before the connector, or {@code null}
     * @param sni            picks the connector by SNI instead of {@code connector}, or {@code null}
     */
    public record Route(String listenerName, BackendConnector connector, long idleNanos, int maxConnections,
                        int maxConnectionsPerIp, TlsTerminator tls, SniRouter<BackendConnector> sni) {

        /** Plain TCP to {@code connector}. */
        public Route(String listenerName, BackendConnector connector, long idleNanos, int maxConnections,
                     int maxConnectionsPerIp) {
            this(listenerName, connector, idleNanos, maxConnections, maxConnectionsPerIp, null, null);
        }
    }

    private final ListenerStats stats = new ListenerStats();
    private final PerIpLimiter perIp = new PerIpLimiter();
    private volatile Route route;

    public ListenerState(Route route) {
        this.route = route;
    }

    public Route route() {
        return route;
    }

    public void route(Route newRoute) {
        this.route = newRoute;
    }

    public ListenerStats stats() {
        return stats;
    }

    /** Open connections per client; kept across reloads like the stats. */
    public PerIpLimiter perIp() {
        return perIp;
    }
}
