package io.nexo.bench.latency;

import org.HdrHistogram.Histogram;

/**
 * Records each finished request in three histograms (nanoseconds): latency from the request's
 * <em>due</em> time (the coordinated-omission-corrected figure that is reported), service time from
 * the moment it was actually sent, and the send lag between the two (how late the generator itself
 * was; a large lag at low load means the generator, not the server, is the bottleneck). Requests due
 * before the end of the warm-up are counted but not recorded.
 */
final class LatencyRecorder {

    /** Latencies above this are recorded as this (a minute: far beyond any sane run). */
    static final long HIGHEST_NANOS = 60_000_000_000L;

    private final long measureFromNanos;
    private final Histogram latency = new Histogram(HIGHEST_NANOS, 3);
    private final Histogram service = new Histogram(HIGHEST_NANOS, 3);
    private final Histogram sendLag = new Histogram(HIGHEST_NANOS, 3);
    private long warmup;
    private long errors;
    private long unfinished;
    private long firstDue = Long.MAX_VALUE;
    private long lastDone = Long.MIN_VALUE;

    /** @param measureFromNanos requests due at or after this are measured (the end of the warm-up) */
    LatencyRecorder(long measureFromNanos) {
        this.measureFromNanos = measureFromNanos;
    }

    /** A response arrived in full at {@code doneNanos} for the request due at {@code dueNanos}. */
    void completed(long dueNanos, long sentNanos, long doneNanos) {
        if (dueNanos < measureFromNanos) {
            warmup++;
            return;
        }
        latency.recordValue(clamp(doneNanos - dueNanos));
        service.recordValue(clamp(doneNanos - sentNanos));
        sendLag.recordValue(clamp(sentNanos - dueNanos));
        firstDue = Math.min(firstDue, dueNanos);
        lastDone = Math.max(lastDone, doneNanos);
    }

    /** The request due at {@code dueNanos} failed (connection refused or reset, bad response). */
    void failed(long dueNanos) {
        if (dueNanos >= measureFromNanos) {
            errors++;
        }
    }

    /**
     * The run ended before the request due at {@code dueNanos} was answered (or even sent). It is
     * recorded with the latency it has at least reached, so a stalled server cannot hide in the tail.
     */
    void unfinished(long dueNanos, long endNanos) {
        if (dueNanos < measureFromNanos) {
            return;
        }
        unfinished++;
        latency.recordValue(clamp(endNanos - dueNanos));
    }

    private static long clamp(long nanos) {
        return Math.max(0, Math.min(nanos, HIGHEST_NANOS));
    }

    Histogram latency() {
        return latency;
    }

    Histogram service() {
        return service;
    }

    Histogram sendLag() {
        return sendLag;
    }

    /** Measured requests answered in full. */
    long completed() {
        return service.getTotalCount();
    }

    long warmup() {
        return warmup;
    }

    long errors() {
        return errors;
    }

    long unfinished() {
        return unfinished;
    }

    /** Measured completions per second, from the first measured due time to the last answer. */
    double achievedRate() {
        long n = completed();
        if (n == 0 || lastDone <= firstDue) {
            return 0;
        }
        return n * 1e9 / (lastDone - firstDue);
    }
}
