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
 * a connect to s2 failed, s2 DOWN:   the retry takes s3, then s1 s3 s1 ... (not s1 s1 s3)
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

    /**
     * The first usable endpoint after {@code failed} in configuration order, as HAProxy hands a
     * redispatched connection to the next server; the counter then moves, with one compare-and-set and
     * no retry, to just past that endpoint, so the next pick continues the rotation after it. Without
     * this, a failure that takes {@code failed} out of the list shifts every slot and the retry could
     * land on the endpoint that was just picked. A concurrent pick that moves the counter first wins
     * (the rotation is only off by one slot, never locked).
     */
    @Override
    public Endpoint pickAfterFailure(InetSocketAddress client, Endpoint failed, List<? extends Endpoint> order,
                                     Predicate<? super Endpoint> allowed) {
        Endpoint[] snapshot = endpoints;
        int n = snapshot.length;
        int from = order.indexOf(failed);
        if (n == 0 || from < 0) {
            return pick(client, allowed);
        }
        int size = order.size();
        for (int i = 1; i <= size; i++) {
            Endpoint candidate = order.get((from + i) % size);
            int slot = slotOf(snapshot, candidate);
            if (slot >= 0 && allowed.test(candidate)) {
                long now = next.get();
                long past = now + Math.floorMod(slot + 1 - (now & Long.MAX_VALUE) % n, n);
                next.compareAndSet(now, past);
                return candidate;
            }
        }
        return null;
    }

    private static int slotOf(Endpoint[] snapshot, Endpoint e) {
        for (int i = 0; i < snapshot.length; i++) {
            if (snapshot[i] == e) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return NAME;
    }
}
