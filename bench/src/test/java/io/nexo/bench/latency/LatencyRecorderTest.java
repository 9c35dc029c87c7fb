package io.nexo.bench.latency;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyRecorderTest {

    private static final long MS = 1_000_000;

    @Test
    void warmUpRequestsAreCountedButNotRecorded() {
        LatencyRecorder rec = new LatencyRecorder(10 * MS);
        rec.completed(9 * MS, 9 * MS, 50 * MS);
        rec.completed(10 * MS, 11 * MS, 12 * MS);
        assertThat(rec.warmup()).isEqualTo(1);
        assertThat(rec.completed()).isEqualTo(1);
        assertThat(rec.latency().getMaxValue()).isBetween(2 * MS - 2000, 2 * MS + 2000);
        assertThat(rec.sendLag().getMaxValue()).isBetween(MS - 1000, MS + 1000);
        assertThat(rec.service().getMaxValue()).isBetween(MS - 1000, MS + 1000);
    }

    @Test
    void unfinishedRequestsLandInTheTailNotInTheCompletions() {
        LatencyRecorder rec = new LatencyRecorder(0);
        rec.completed(0, 0, MS);
        rec.unfinished(MS, 501 * MS);
        rec.failed(2 * MS);
        assertThat(rec.completed()).isEqualTo(1);
        assertThat(rec.unfinished()).isEqualTo(1);
        assertThat(rec.errors()).isEqualTo(1);
        assertThat(rec.latency().getTotalCount()).isEqualTo(2);
        assertThat(rec.latency().getMaxValue()).isBetween(499 * MS, 501 * MS);
    }

    @Test
    void achievedRateIsCompletionsOverTheMeasuredSpan() {
        LatencyRecorder rec = new LatencyRecorder(0);
        for (int i = 0; i < 100; i++) {
            rec.completed(i * 10 * MS, i * 10 * MS, i * 10 * MS + MS);
        }
        // 100 answers from 0 to 991 ms
        assertThat(rec.achievedRate()).isBetween(100.9, 101.0);
    }
}
