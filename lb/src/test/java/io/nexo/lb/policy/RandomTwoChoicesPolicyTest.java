package io.nexo.lb.policy;

import static io.nexo.lb.policy.TestEndpoint.ANY;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RandomTwoChoicesPolicyTest {

    /** Returns the scripted values for nextInt(bound), checking each is within its bound. */
    private static final class ScriptedRandom implements RandomGenerator {
        private final Deque<Integer> values = new ArrayDeque<>();

        ScriptedRandom(int... script) {
            for (int v : script) {
                values.add(v);
            }
        }

        @Override
        public int nextInt(int bound) {
            int v = values.removeFirst();
            assertThat(v).isBetween(0, bound - 1);
            return v;
        }

        @Override
        public long nextLong() {
            throw new AssertionError("unexpected nextLong()");
        }
    }

    @Test
    void sequenceFromTheJavadoc() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).active = 3;
        e.get(2).active = 1;
        RandomTwoChoicesPolicy policy = new RandomTwoChoicesPolicy(new ScriptedRandom(0, 1, 1, 0, 2, 1));
        policy.setEndpoints(e);

        assertThat(TestEndpoint.picks(policy, 3)).isEqualTo("c b b");
    }

    @Test
    void tieGoesToTheFirstDrawAndWeightsScaleLoad() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        e.get(0).active = 2;
        e.get(0).weight = 2;
        e.get(1).active = 1;
        RandomTwoChoicesPolicy policy = new RandomTwoChoicesPolicy(new ScriptedRandom(1, 0, 0, 0));
        policy.setEndpoints(e);

        // 2/2 == 1/1: the first draw wins either way round
        assertThat(TestEndpoint.picks(policy, 2)).isEqualTo("b a");
    }

    @Test
    void drawsOnlyAmongAllowedAfterAFailure() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(1).active = 5;
        // first draws a and b; a is not allowed, so redraw among {b, c}: indexes 0 then 0 -> b vs c
        RandomTwoChoicesPolicy policy = new RandomTwoChoicesPolicy(new ScriptedRandom(0, 0, 0, 0, 0, 0));
        policy.setEndpoints(e);

        assertThat(policy.pick(null, x -> !x.name().equals("a")).name()).isEqualTo("c");
        assertThat(policy.pick(null, x -> false)).isNull();
    }

    @Test
    void singleAndEmptyPools() {
        RandomTwoChoicesPolicy policy = new RandomTwoChoicesPolicy(new ScriptedRandom());
        assertThat(policy.pick(null, ANY)).isNull();
        policy.setEndpoints(TestEndpoint.named("only"));
        assertThat(policy.pick(null, ANY).name()).isEqualTo("only");
    }

    @Test
    void keepsLoadEvenWhenConnectionsStayOpen() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c", "d");
        RandomTwoChoicesPolicy policy = new RandomTwoChoicesPolicy(new SplittableRandom(42));
        policy.setEndpoints(e);
        for (int i = 0; i < 4_000; i++) {
            ((TestEndpoint) policy.pick(null, ANY)).active++;
        }
        // With two choices the max-min gap stays tiny (O(log log n)); one random choice would drift
        // by ~sqrt(n) = dozens.
        int max = e.stream().mapToInt(x -> x.active).max().orElseThrow();
        int min = e.stream().mapToInt(x -> x.active).min().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(3);
    }
}
