package io.nexo.lb.policy;

import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;

/**
 * Sends each connection to the endpoint with the fewest active connections relative to its weight
 * (HAProxy's {@code leastconn}, nginx's {@code least_conn}); among equally loaded endpoints the one
 * picked least recently wins, so ties rotate round-robin.
 *
 * <pre>
 * endpoints a b c, all weight 1; the balancer counts each picked connection as active:
 *   active (0,0,0) -> a      all tied, none picked yet: configuration order
 *   active (1,0,0) -> b
 *   active (1,1,0) -> c
 *   a's connection closes
 *   active (0,1,1) -> a      a is the only one with 0
 *   active (1,1,1) -> b      tied again: b was picked longest ago
 * </pre>
 *
 * <p>Load is compared as {@code active/weight} by cross-multiplication (no division). The
 * "last picked" stamps live in an array beside the snapshot; racing picks may both see the same
 * minimum, which only costs evenness for one connection, never correctness.
 */
public final class LeastConnectionsPolicy implements LoadBalancingPolicy {

    private record Snapshot(Endpoint[] endpoints, AtomicLongArray lastPicked) {
        static final Snapshot EMPTY = new Snapshot(new Endpoint[0], new AtomicLongArray(0));
    }

    private final AtomicLong clock = new AtomicLong();
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    @Override
    public String name() {
        return "least-connections";
    }

    @Override
    public synchronized void setEndpoints(List<? extends Endpoint> endpoints) {
        Snapshot old = snapshot;
        Map<Endpoint, Long> stamps = new IdentityHashMap<>();
        for (int i = 0; i < old.endpoints().length; i++) {
            stamps.put(old.endpoints()[i], old.lastPicked().get(i));
        }
        Endpoint[] array = endpoints.toArray(new Endpoint[0]);
        AtomicLongArray lastPicked = new AtomicLongArray(array.length);
        for (int i = 0; i < array.length; i++) {
            // A newcomer has never been picked: it wins ties at once.
            lastPicked.set(i, stamps.getOrDefault(array[i], 0L));
        }
        snapshot = new Snapshot(array, lastPicked);
    }

    @Override
    public Endpoint pick(InetSocketAddress client, Predicate<? super Endpoint> allowed) {
        Snapshot s = snapshot;
        Endpoint[] endpoints = s.endpoints();
        int best = -1;
        long bestActive = 0;
        long bestWeight = 1;
        long bestStamp = 0;
        for (int i = 0; i < endpoints.length; i++) {
            Endpoint e = endpoints[i];
            if (!allowed.test(e)) {
                continue;
            }
            long active = e.activeConnections();
            long weight = Math.max(1, e.weight());
            long stamp = s.lastPicked().get(i);
            if (best < 0) {
                best = i;
                bestActive = active;
                bestWeight = weight;
                bestStamp = stamp;
                continue;
            }
            // active/weight < bestActive/bestWeight, without division
            long cmp = active * bestWeight - bestActive * weight;
            if (cmp < 0 || (cmp == 0 && stamp < bestStamp)) {
                best = i;
                bestActive = active;
                bestWeight = weight;
                bestStamp = stamp;
            }
        }
        if (best < 0) {
            return null;
        }
        s.lastPicked().set(best, clock.incrementAndGet());
        return endpoints[best];
    }
}
