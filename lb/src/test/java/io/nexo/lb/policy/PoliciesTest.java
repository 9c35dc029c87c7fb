package io.nexo.lb.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PoliciesTest {

    @Test
    void everyNameBuildsAFreshPolicyOfThatName() {
        assertThat(Policies.names()).containsExactly("round-robin", "weighted-round-robin", "least-connections",
                "random-two-choices", "source-hash");
        for (String name : Policies.names()) {
            LoadBalancingPolicy policy = Policies.byName(name);
            assertThat(policy.name()).isEqualTo(name);
            assertThat(Policies.byName(name)).isNotSameAs(policy);
        }
    }

    @Test
    void unknownNameListsTheAcceptedOnes() {
        assertThatThrownBy(() -> Policies.byName("fastest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("policy: 'fastest' (expected one of: ")
                .hasMessageContaining("least-connections");
    }
}
