package io.nexo.lb.policy;

import io.nexo.core.net.HostAndPort;

/**
 * A backend as a {@link LoadBalancingPolicy} sees it: a name, an address, a weight and how many
 * connections it carries now. Policies only read these; the balancer owns the state.
 */
public interface Endpoint {

    /** Unique within its pool, e.g. {@code s1} or {@code 127.0.0.1:8001}. */
    String name();

    HostAndPort address();

    /** Relative share of new connections, at least 1 (policies without weights ignore it). */
    int weight();

    /** Connections currently proxied to this endpoint. */
    int activeConnections();
}
