package io.nexo.bench.latency;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pacing and the coordinated-omission correction, on a clock the test moves by hand. */
class PacerTest {

    private static final long MS = 1_000_000;

    @Test
    void waitsUntilTheNextDueTimeAndNeverLongerWhenBehind() {
        Timeline t = new Timeline(0, 1000, 2, 6); // connection 0: due at 0, 2, 4 ms
        Pacer p = new Pacer(t, 0);
        assertThat(p.delayNanos(0)).isZero();
        assertThat(p.take()).isZero();
        assertThat(p.delayNanos(MS / 2)).isEqualTo(3 * MS / 2);
        assertThat(p.delayNanos(7 * MS)).isZero(); // behind: send at once
        assertThat(p.take()).isEqualTo(2 * MS);   // ... but it still was due at 2 ms
        assertThat(p.take()).isEqualTo(4 * MS);
        assertThat(p.finished()).isTrue();
        assertThatThrownBy(p::take).isInstanceOf(IllegalStateException.class);
    }

    /**
     * One connection at 1000/s whose server answers in 0.1 ms except once, when it stalls 100 ms. A
     * closed-loop tool records one slow request; from the due times, the ~100 requests that should
     * have been sent during the stall are slow too, by 100 ms down to ~0.
     */
    @Test
    void aStallCountsForEveryRequestItHeldBack() {
        Timeline t = new Timeline(0, 1000, 1, 1000);
        Pacer p = new Pacer(t, 0);
        LatencyRecorder rec = new LatencyRecorder(0);
        long now = 0;
        while (!p.finished()) {
            now += p.delayNanos(now);
            long due = p.take();
            long sent = now;
            now += (p.sent() == 100) ? 100 * MS : MS / 10;
            rec.completed(due, sent, now);
        }
        assertThat(rec.completed()).isEqualTo(1000);
        assertThat(rec.service().getCountBetweenValues(50 * MS, 200 * MS)).isEqualTo(1);
        // the stalled one (100 ms), then those due at 100..154 ms: sent at 199 ms + 0.1 ms each, 99.1 ms down to 50.5 ms late
        assertThat(rec.latency().getCountBetweenValues(50 * MS, 200 * MS)).isEqualTo(56);
        assertThat(rec.latency().getMaxValue()).isBetween(100 * MS, 101 * MS);
        // it caught up: the last request was on time
        assertThat(now).isEqualTo(t.dueNanos(999) + MS / 10);
    }
}
