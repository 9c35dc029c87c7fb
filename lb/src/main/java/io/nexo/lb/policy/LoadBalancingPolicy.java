package io.nexo.lb.policy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Predicate;

/**
 * Chooses the backend of each new connection. A policy never touches channels: the balancer tells it
 * which endpoints are usable (up, enabled, primaries before backups) through
 * {@link #setEndpoints(List)} whenever that set or a weight changes, as HAProxy's {@code lb_ops} are
 * told of server state events, and asks {@link #pick} once per connection attempt.
 *
 * <p>Implementations are thread-safe and take no lock on the {@code pick} path: they keep an immutable
 * snapshot of endpoints in a volatile field, rebuilt only by {@code setEndpoints}.
 */
public interface LoadBalancingPolicy {

    /** Short name as written in flags and config files, e.g. {@code round-robin}. */
    String name();

    /**
     * Replaces the usable endpoints, in configuration order. An empty list means nothing is usable.
     * Endpoints are compared by identity; an endpoint that stays keeps its place in the rotation.
     */
    void setEndpoints(List<? extends Endpoint> endpoints);

    /**
     * Picks the endpoint for a new connection from {@code client}, skipping those {@code allowed}
     * rejects (e.g. endpoints this connection already failed to reach), or returns {@code null} when
     * none is usable.
     */
    Endpoint pick(InetSocketAddress client, Predicate<? super Endpoint> allowed);

    /**
     * Picks the endpoint for the retry of a connection whose attempt on {@code failed} just failed.
     * {@code order} is every endpoint of the pool in configuration order, usable or not, so a policy
     * with a rotation can continue after {@code failed} even when that failure has just taken it out of
     * the usable set. The default is {@link #pick}: only policies with a rotation need more.
     */
    default Endpoint pickAfterFailure(InetSocketAddress client, Endpoint failed, List<? extends Endpoint> order,
                                      Predicate<? super Endpoint> allowed) {
        return pick(client, allowed);
    }

    /** Strict rotation across new connections: s1 s2 s3 s1 s2 s3 ... (see {@link Policies} for all). */
    static LoadBalancingPolicy roundRobin() {
        return new RoundRobinPolicy();
    }
}
