package io.nexo.lb.policy;

import static io.nexo.lb.policy.TestEndpoint.ANY;
import static io.nexo.lb.policy.TestEndpoint.picks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinPolicyTest {

    private final WeightedRoundRobinPolicy policy = new WeightedRoundRobinPolicy();

    @Test
    void nginxSmoothSequenceForWeights511() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).weight = 5;
        policy.setEndpoints(e);

        assertThat(picks(policy, 14)).isEqualTo("a a b a c a a a a b a c a a");
    }

    @Test
    void equalWeightsAreRoundRobin() {
        List<TestEndpoint> e = TestEndpoint.named("s1", "s2", "s3", "s4");
        e.forEach(x -> x.weight = 3);
        policy.setEndpoints(e);

        assertThat(picks(policy, 5)).isEqualTo("s1 s2 s3 s4 s1");
    }

    @Test
    void weights321Interleave() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).weight = 3;
        e.get(1).weight = 2;
        policy.setEndpoints(e);

        // current after adding weights: (3,2,1)a (0,4,2)b (3,0,3)a (0,2,4)c (3,4,-1)b (6,0,0)a
        assertThat(picks(policy, 6)).isEqualTo("a b a c b a");
    }

    @Test
    void weightChangeTakesEffectOnNextSetEndpoints() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        policy.setEndpoints(e);
        assertThat(picks(policy, 2)).isEqualTo("a b");

        e.get(1).weight = 3;
        policy.setEndpoints(e);
        String next = picks(policy, 8);
        assertThat(next.split(" ")).filteredOn("b"::equals).hasSize(6);
        assertThat(next.split(" ")).filteredOn("a"::equals).hasSize(2);
    }

    @Test
    void skipsEndpointsThisConnectionMayNotUse() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).weight = 5;
        policy.setEndpoints(e);

        Endpoint first = policy.pick(null, x -> !x.name().equals("a"));
        assertThat(first.name()).isEqualTo("b");
        assertThat(policy.pick(null, x -> false)).isNull();
    }

    @Test
    void emptyPoolPicksNothing() {
        policy.setEndpoints(List.of());
        assertThat(policy.pick(null, ANY)).isNull();
    }

    @Test
    void hugeWeightsStayBoundedAndProportional() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        e.get(0).weight = 1_000_000;
        e.get(1).weight = 999_999;
        Endpoint[] period = WeightedRoundRobinPolicy.smoothSequence(e);

        assertThat(period.length).isLessThanOrEqualTo(WeightedRoundRobinPolicy.MAX_PERIOD);
        long a = java.util.Arrays.stream(period).filter(x -> x.name().equals("a")).count();
        assertThat((double) a / period.length).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void exactSharesUnderConcurrency() throws Exception {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).weight = 5;
        policy.setEndpoints(e);
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 7_000; i++) {
                        counts.computeIfAbsent(policy.pick(null, ANY).name(), k -> new LongAdder()).increment();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // 56 000 picks = 8 000 periods of 7: exactly 5:1:1.
        assertThat(counts.get("a").sum()).isEqualTo(40_000);
        assertThat(counts.get("b").sum()).isEqualTo(8_000);
        assertThat(counts.get("c").sum()).isEqualTo(8_000);
    }
}
