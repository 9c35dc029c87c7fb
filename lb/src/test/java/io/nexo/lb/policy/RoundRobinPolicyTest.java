package io.nexo.lb.policy;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

class RoundRobinPolicyTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    private static final Endpoint S1 = new TestEndpoint("s1", 8001, 1);
    private static final Endpoint S2 = new TestEndpoint("s2", 8002, 1);
    private static final Endpoint S3 = new TestEndpoint("s3", 8003, 1);
    private static final Endpoint S4 = new TestEndpoint("s4", 8004, 1);

    private static List<String> picks(LoadBalancingPolicy policy, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Endpoint e = policy.pick(CLIENT, x -> true);
            names.add(e == null ? null : e.name());
        }
        return names;
    }

    @Test
    void rotatesInStrictOrderLikeHaproxyBalanceRr() {
        LoadBalancingPolicy policy = LoadBalancingPolicy.roundRobin();
        policy.setEndpoints(List.of(S1, S2, S3, S4));
        assertThat(picks(policy, 9)).containsExactly("s1", "s2", "s3", "s4", "s1", "s2", "s3", "s4", "s1");
    }

    @Test
    void theRetryAfterAFailureThatTookTheEndpointOutGoesToTheNextOneAndTheRotationContinuesAfterIt() {
        LoadBalancingPolicy policy = LoadBalancingPolicy.roundRobin();
        List<Endpoint> order = List.of(S1, S2, S3);
        policy.setEndpoints(order);
        assertThat(policy.pick(CLIENT, x -> true)).isSameAs(S1);
        assertThat(policy.pick(CLIENT, x -> true)).isSameAs(S2);
        policy.setEndpoints(List.of(S1, S3)); // the connect to s2 failed and marked it DOWN
        assertThat(policy.pickAfterFailure(CLIENT, S2, order, x -> x != S2)).isSameAs(S3);
        assertThat(picks(policy, 4)).containsExactly("s1", "s3", "s1", "s3");
    }

    @Test
    void theRetryAfterAFailureThatLeftTheEndpointInTakesTheNextSlot() {
        LoadBalancingPolicy policy = LoadBalancingPolicy.roundRobin();
        List<Endpoint> order = List.of(S1, S2, S3);
        policy.setEndpoints(order);
        assertThat(policy.pick(CLIENT, x -> true)).isSameAs(S1);
        assertThat(policy.pick(CLIENT, x -> true)).isSameAs(S2);
        assertThat(policy.pickAfterFailure(CLIENT, S2, order, x -> x != S2)).isSameAs(S3);
        assertThat(picks(policy, 4)).containsExactly("s1", "s2", "s3", "s1");
        assertThat(policy.pickAfterFailure(CLIENT, S1, order, x -> false)).isNull();
    }

    @Test
    void noEndpointsMeansNull() {
        LoadBalancingPolicy policy = LoadBalancingPolicy.roundRobin();
        assertThat(policy.pick(CLIENT, x -> true)).isNull();
        policy.setEndpoints(List.of(S1));
        policy.setEndpoints(List.of());
        assertThat(policy.pick(CLIENT, x -> true)).isNull();
    }

    @Test
    void skipsEndpointsTheConnectionMayNotUseAndGivesUpWhenNoneIsLeft() {
        LoadBalancingPolicy policy = LoadBalancingPolicy.roundRobin();
        policy.setEndpoints(List.of(S1, S2, S3));
        assertThat(policy.pick(CLIENT, x -> true)).isSameAs(S1);
        // the next connection's first choice would be s2; it already failed there, so s3
        assertThat(policy.pick(CLIENT, x -> x != S2)).isSameAs(S3);
        assertThat(policy.pick(CLIENT, x -> false)).isNull();
    }

    @Test
    void rotationContinuesWhenAnEndpointGoesAndComesBack() {
        LoadBalancingPolicy policy = LoadBalancingPolicy.roundRobin();
        policy.setEndpoints(List.of(S1, S2, S3));
        assertThat(picks(policy, 1)).containsExactly("s1");
        policy.setEndpoints(List.of(S1, S3)); // s2 went DOWN
        assertThat(picks(policy, 4)).containsExactly("s3", "s1", "s3", "s1");
        policy.setEndpoints(List.of(S1, S2, S3)); // s2 is back
        assertThat(picks(policy, 3)).containsExactly("s3", "s1", "s2");
    }

    @Test
    void concurrentPicksAreExactlyEven() throws Exception {
        LoadBalancingPolicy policy = LoadBalancingPolicy.roundRobin();
        policy.setEndpoints(List.of(S1, S2, S3));
        int threads = 8;
        int perThread = 30_000;
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        counts.computeIfAbsent(policy.pick(CLIENT, x -> true).name(), k -> new LongAdder())
                                .increment();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(counts).hasSize(3);
        assertThat(counts.get("s1").sum()).isEqualTo(80_000);
        assertThat(counts.get("s2").sum()).isEqualTo(80_000);
        assertThat(counts.get("s3").sum()).isEqualTo(80_000);
    }

    @Test
    void knownByItsFlagName() {
        assertThat(Policies.byName("round-robin")).isInstanceOf(RoundRobinPolicy.class);
        assertThat(Policies.names()).startsWith("round-robin");
    }
}
