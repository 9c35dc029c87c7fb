package io.nexo.lb.health;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.nexo.lb.health.HealthState.Transition.NONE;
import static io.nexo.lb.health.HealthState.Transition.WENT_DOWN;
import static io.nexo.lb.health.HealthState.Transition.WENT_UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HealthStateTest {

    private static List<String> run(HealthState state, String results) {
        List<String> states = new ArrayList<>();
        for (char c : results.toCharArray()) {
            state.onCheck(c == '+');
            states.add(state.isUp() ? "UP" : "DOWN");
        }
        return states;
    }

    @Test
    void fallsAfterFallFailuresInARowAndRisesAfterRiseSuccesses() {
        HealthState state = new HealthState(2, 3);
        // the sequence of the class Javadoc
        assertThat(run(state, "--+---++"))
                .containsExactly("UP", "UP", "UP", "UP", "UP", "DOWN", "DOWN", "UP");
    }

    @Test
    void aJoiningBackendIsDownUntilItsFirstCheckPassesThenUpAtOnce() {
        HealthState state = HealthState.joining(3, 2);
        assertThat(state.isUp()).isFalse();
        assertThat(state.isJoining()).isTrue();
        assertThat(state.onCheck(true)).as("one pass is enough, not rise 3").isEqualTo(WENT_UP);
        assertThat(state.isJoining()).isFalse();
        assertThat(run(state, "--+")).containsExactly("UP", "DOWN", "DOWN");
    }

    @Test
    void aJoiningBackendThatFailsItsFirstCheckNeedsRiseLikeAnyDownBackend() {
        HealthState state = HealthState.joining(3, 2);
        assertThat(run(state, "-+++")).containsExactly("DOWN", "DOWN", "DOWN", "UP");
        HealthState passive = HealthState.joining(2, 2);
        assertThat(passive.onPassiveFailure()).isEqualTo(NONE);
        assertThat(passive.isJoining()).isFalse();
        assertThat(run(passive, "++")).containsExactly("DOWN", "UP");
    }

    @Test
    void reportsEachTransitionOnce() {
        HealthState state = new HealthState(1, 1);
        assertThat(state.onCheck(true)).isEqualTo(NONE);
        assertThat(state.onCheck(false)).isEqualTo(WENT_DOWN);
        assertThat(state.onCheck(false)).isEqualTo(NONE);
        assertThat(state.onCheck(true)).isEqualTo(WENT_UP);
        assertThat(state.onCheck(true)).isEqualTo(NONE);
    }

    @Test
    void aPassiveFailureTakesItDownAtOnceAndItNeedsRiseChecksToReturn() {
        HealthState state = new HealthState(2, 3);
        assertThat(state.onPassiveFailure()).isEqualTo(WENT_DOWN);
        assertThat(state.onPassiveFailure()).isEqualTo(NONE);
        assertThat(state.onCheck(true)).isEqualTo(NONE);
        assertThat(state.isUp()).isFalse();
        assertThat(state.onCheck(true)).isEqualTo(WENT_UP);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new HealthState(0, 3)).hasMessage("rise: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new HealthState(2, 0)).hasMessage("fall: 0 (expected: >= 1)");
    }
}
