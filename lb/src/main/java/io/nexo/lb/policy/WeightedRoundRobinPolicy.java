package io.nexo.lb.policy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * nginx's smooth weighted round-robin: over any window of {@code sum(weights)} picks each endpoint
 * gets exactly its weight, and heavy endpoints are interleaved with light ones instead of served in
 * a burst.
 *
 * <pre>
 * weights a=5 b=1 c=1, each step adds every weight to its "current" value, picks the largest
 * (first in configuration order on ties) and subtracts the total (7) from the winner:
 *
 *   current before pick   pick   current after
 *   ( 5,  1,  1)          a      (-2,  1,  1)
 *   ( 3,  2,  2)          a      (-4,  2,  2)
 *   ( 1,  3,  3)          b      ( 1, -4,  3)
 *   ( 6, -3,  4)          a      (-1, -3,  4)
 *   ( 4, -2,  5)          c      ( 4, -2, -2)
 *   ( 9, -1, -1)          a      ( 2, -1, -1)
 *   ( 7,  0,  0)          a      ( 0,  0,  0)   -> back to the start: a a b a c a a
 * </pre>
 *
 * <p>The sequence is periodic with period {@code sum(weights)/gcd(weights)}, so it is computed once
 * per {@link #setEndpoints} into an array and a pick is one atomic increment and an array read: no
 * lock, and exact under concurrency (every window of one period holds each endpoint exactly
 * weight/gcd times).
 */
public final class WeightedRoundRobinPolicy implements LoadBalancingPolicy {

    /** Upper bound on the precomputed period; larger weight sums are scaled down proportionally. */
    static final int MAX_PERIOD = 1 << 16;

    private record Schedule(Endpoint[] order) {
        static final Schedule EMPTY = new Schedule(new Endpoint[0]);
    }

    private final AtomicLong next = new AtomicLong();
    private volatile Schedule schedule = Schedule.EMPTY;

    @Override
    public String name() {
        return "weighted-round-robin";
    }

    @Override
    public void setEndpoints(List<? extends Endpoint> endpoints) {
        schedule = endpoints.isEmpty() ? Schedule.EMPTY : new Schedule(smoothSequence(endpoints));
    }

    @Override
    public Endpoint pick(InetSocketAddress client, Predicate<? super Endpoint> allowed) {
        Endpoint[] order = schedule.order();
        int n = order.length;
        if (n == 0) {
            return null;
        }
        long start = next.getAndIncrement();
        for (int i = 0; i < n; i++) {
            Endpoint e = order[(int) Math.floorMod(start + i, (long) n)];
            if (allowed.test(e)) {
                return e;
            }
        }
        return null;
    }

    /** One period of nginx's smooth weighted round-robin, weights reduced by their gcd. */
    static Endpoint[] smoothSequence(List<? extends Endpoint> endpoints) {
        int n = endpoints.size();
        long[] weights = new long[n];
        long gcd = 0;
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.max(1, endpoints.get(i).weight());
            gcd = gcd(gcd, weights[i]);
        }
        for (int i = 0; i < n; i++) {
            weights[i] /= gcd;
            total += weights[i];
        }
        if (total > MAX_PERIOD) {
            // Keep proportions, at least 1 each, within the bound: only extreme weight sets get here.
            long scaledTotal = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = Math.max(1, weights[i] * MAX_PERIOD / total);
                scaledTotal += weights[i];
            }
            total = scaledTotal;
        }
        long[] current = new long[n];
        Endpoint[] order = new Endpoint[(int) total];
        for (int step = 0; step < total; step++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[step] = endpoints.get(best);
        }
        return order;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
