package io.nexo.lb.policy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Strict round-robin over the usable endpoints, in configuration order.
 *
 * <pre>
 * endpoints [s1, s2, s3]:            picks s1 s2 s3 s1 s2 s3 ...
 * s2 refused this connection:        the attempt after s1 skips s2 and takes s3
 * s2 goes DOWN after s1 was picked:  rotation continues s3 s1 s3 s1 ...
 * </pre>
 *
 * <p>One shared counter, advanced once per pick with a single atomic increment, selects the starting
 * slot, so concurrent picks are exact: N picks over k endpoints give each endpoint N/k (no lock, no
 * retry loop). Endpoints live in an immutable array swapped in by {@link #setEndpoints}.
 */
final class RoundRobinPolicy implements LoadBalancingPolicy {

    static final String NAME = "round-robin";

    private static final Endpoint[] NONE = new Endpoint[0];

    private final AtomicLong next = new AtomicLong();
    private volatile Endpoint[] endpoints = NONE;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void setEndpoints(List<? extends Endpoint> newEndpoints) {
        endpoints = newEndpoints.toArray(NONE);
    }

    @Override
    public Endpoint pick(InetSocketAddress client, Predicate<? super Endpoint> allowed) {
        Endpoint[] snapshot = endpoints;
        int n = snapshot.length;
        if (n == 0) {
            return null;
        }
        long start = next.getAndIncrement() & Long.MAX_VALUE;
        int first = (int) (start % n);
        for (int i = 0; i < n; i++) {
            int slot = first + i;
            Endpoint candidate = snapshot[slot >= n ? slot - n : slot];
            if (allowed.test(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return NAME;
    }
}
