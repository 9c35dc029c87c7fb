package io.nexo.lb.policy;

import static io.nexo.lb.policy.TestEndpoint.ANY;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeastConnectionsPolicyTest {

    private final LeastConnectionsPolicy policy = new LeastConnectionsPolicy();

    /** Picks like the balancer does: the chosen endpoint's active count goes up. */
    private String connect(int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            TestEndpoint e = (TestEndpoint) policy.pick(null, ANY);
            e.active++;
            sb.append(i == 0 ? "" : " ").append(e.name());
        }
        return sb.toString();
    }

    @Test
    void sequenceFromTheJavadoc() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        policy.setEndpoints(e);

        assertThat(connect(3)).isEqualTo("a b c");
        e.get(0).active--;
        assertThat(connect(1)).isEqualTo("a");
        assertThat(connect(1)).isEqualTo("b");
    }

    @Test
    void tiesRotateRoundRobinWhenConnectionsAreShort() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        policy.setEndpoints(e);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            // each connection closes before the next arrives: all stay at 0 active
            sb.append(i == 0 ? "" : " ").append(policy.pick(null, ANY).name());
        }
        assertThat(sb).hasToString("a b c a b c a");
    }

    @Test
    void busyEndpointIsAvoidedUntilOthersCatchUp() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b", "c");
        e.get(0).active = 3;
        policy.setEndpoints(e);

        // b and c alternate until both reach 3, then all three rotate
        assertThat(connect(9)).isEqualTo("b c b c b c a b c");
    }

    @Test
    void weightsScaleTheLoad() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        e.get(0).weight = 2;
        policy.setEndpoints(e);

        // load a/2 vs b/1: 0=0 tie -> a; 1/2>0 -> b; 1/2<1 -> a; 1=1 tie, b picked longer ago -> b;
        // 1<2 -> a; 3/2<2 -> a. Six connections end 4:2, the weights' ratio.
        assertThat(connect(6)).isEqualTo("a b a b a a");
    }

    @Test
    void newcomerWinsTiesAndSurvivorsKeepTheirTurn() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        policy.setEndpoints(e);
        assertThat(TestEndpoint.picks(policy, 1)).isEqualTo("a");

        TestEndpoint c = new TestEndpoint("c", 8003, 1);
        policy.setEndpoints(List.of(e.get(0), e.get(1), c));
        assertThat(TestEndpoint.picks(policy, 4)).isEqualTo("b c a b");
    }

    @Test
    void skipsDisallowedAndEmpty() {
        List<TestEndpoint> e = TestEndpoint.named("a", "b");
        policy.setEndpoints(e);
        assertThat(policy.pick(null, x -> !x.name().equals("a")).name()).isEqualTo("b");
        assertThat(policy.pick(null, x -> false)).isNull();
        policy.setEndpoints(List.of());
        assertThat(policy.pick(null, ANY)).isNull();
    }
}
