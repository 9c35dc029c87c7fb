package io.nexo.bench.latency;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimelineTest {

    @Test
    void requestsAreDueEvenlyFromTheStart() {
        Timeline t = new Timeline(1_000, 1000, 4, 10);
        assertThat(t.dueNanos(0)).isEqualTo(1_000);
        assertThat(t.dueNanos(1)).isEqualTo(1_000 + 1_000_000);
        assertThat(t.dueNanos(9)).isEqualTo(1_000 + 9_000_000);
        assertThat(t.lastDueNanos()).isEqualTo(t.dueNanos(9));
    }

    @Test
    void aRateThatDoesNotDivideASecondRoundsDownWithoutDrift() {
        Timeline t = new Timeline(0, 3, 1, 4);
        assertThat(t.dueNanos(1)).isEqualTo(333_333_333);
        assertThat(t.dueNanos(2)).isEqualTo(666_666_666);
        assertThat(t.dueNanos(3)).isEqualTo(1_000_000_000); // no accumulated rounding error
    }

    @Test
    void connectionsTakeTurnsAndShareEveryRequestExactlyOnce() {
        Timeline t = new Timeline(0, 1000, 4, 10);
        // connection 1 sends requests 1, 5, 9
        assertThat(t.requestsOf(1)).isEqualTo(3);
        assertThat(t.index(1, 0)).isEqualTo(1);
        assertThat(t.index(1, 2)).isEqualTo(9);
        assertThat(t.requestsOf(0)).isEqualTo(3);
        assertThat(t.requestsOf(2)).isEqualTo(2);
        assertThat(t.requestsOf(3)).isEqualTo(2);
        long sum = 0;
        for (int c = 0; c < 4; c++) {
            sum += t.requestsOf(c);
        }
        assertThat(sum).isEqualTo(10);
    }

    @Test
    void moreConnectionsThanRequestsLeavesSomeIdle() {
        Timeline t = new Timeline(0, 10, 8, 3);
        assertThat(t.requestsOf(2)).isEqualTo(1);
        assertThat(t.requestsOf(3)).isZero();
        assertThat(t.requestsOf(7)).isZero();
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new Timeline(0, 0, 1, 1)).hasMessageContaining("rate 0");
        assertThatThrownBy(() -> new Timeline(0, 1, 1, Long.MAX_VALUE)).hasMessageContaining("requests");
    }
}
