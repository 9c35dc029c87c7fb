package io.nexo.lb.policy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The power of two random choices (Mitzenmacher; Envoy's and nginx's {@code random two}): draw two
 * distinct endpoints at random and send the connection to the one with fewer active connections
 * relative to its weight; on a tie, the first drawn. Nearly as even as least-connections, but a
 * pick reads two endpoints instead of all, and many balancers sharing backends do not herd onto the
 * same least-loaded one.
 *
 * <pre>
 * endpoints a b c with active (3, 0, 1), random draws i then j among the others:
 *   draws 0, 1  -> a(3) vs c(1) -> c    (the second draw indexes the n-1 endpoints other than i)
 *   draws 1, 0  -> b(0) vs a(3) -> b
 *   draws 2, 1  -> c(1) vs b(0) -> b
 * </pre>
 *
 * <p>The random source is injectable so tests are deterministic; the default is
 * {@link ThreadLocalRandom}, which takes no lock.
 */
public final class RandomTwoChoicesPolicy implements LoadBalancingPolicy {

    private static final RandomGenerator THREAD_LOCAL = new RandomGenerator() {
        @Override
        public long nextLong() {
            return ThreadLocalRandom.current().nextLong();
        }

        @Override
        public int nextInt(int bound) {
            return ThreadLocalRandom.current().nextInt(bound);
        }
    };

    private final RandomGenerator random;
    private volatile Endpoint[] endpoints = new Endpoint[0];

    public RandomTwoChoicesPolicy() {
        this(THREAD_LOCAL);
    }

    /** With the given random source, which must be thread-safe if picks run concurrently. */
    public RandomTwoChoicesPolicy(RandomGenerator random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public String name() {
        return "random-two-choices";
    }

    @Override
    public void setEndpoints(List<? extends Endpoint> endpoints) {
        this.endpoints = endpoints.toArray(new Endpoint[0]);
    }

    @Override
    public Endpoint pick(InetSocketAddress client, Predicate<? super Endpoint> allowed) {
        Endpoint[] all = endpoints;
        int n = all.length;
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return allowed.test(all[0]) ? all[0] : null;
        }
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        boolean iOk = allowed.test(all[i]);
        boolean jOk = allowed.test(all[j]);
        if (iOk && jOk) {
            return lessLoaded(all[i], all[j]);
        }
        // Rare path (a retry after a failed connect): choose among the allowed ones only.
        Endpoint[] candidates = java.util.Arrays.stream(all).filter(allowed).toArray(Endpoint[]::new);
        if (candidates.length == 0) {
            return null;
        }
        if (candidates.length == 1) {
            return candidates[0];
        }
        int a = random.nextInt(candidates.length);
        int b = random.nextInt(candidates.length - 1);
        if (b >= a) {
            b++;
        }
        return lessLoaded(candidates[a], candidates[b]);
    }

    private static Endpoint lessLoaded(Endpoint first, Endpoint second) {
        long cmp = (long) second.activeConnections() * Math.max(1, first.weight())
                - (long) first.activeConnections() * Math.max(1, second.weight());
        return cmp < 0 ? second : first;
    }
}
