package io.nexo.bench.latency;

/**
 * One connection's place on the {@link Timeline}: which of its requests is next, and how long to wait
 * before sending it. A connection that falls behind (its previous response came late) sends the next
 * request at once, but that request's latency still counts from its due time: this is how the
 * coordinated omission of closed-loop tools (wrk, ab) is corrected.
 */
final class Pacer {

    private final Timeline timeline;
    private final int connection;
    private final long requests;
    private long sent;

    Pacer(Timeline timeline, int connection) {
        this.timeline = timeline;
        this.connection = connection;
        this.requests = timeline.requestsOf(connection);
    }

    /** True once every request of this connection was sent. */
    boolean finished() {
        return sent >= requests;
    }

    /** When the next request is due. */
    long nextDueNanos() {
        return timeline.dueNanos(timeline.index(connection, sent));
    }

    /** Nanoseconds to wait at {@code nowNanos} before the next request is due; 0 when due or late. */
    long delayNanos(long nowNanos) {
        return Math.max(0, nextDueNanos() - nowNanos);
    }

    /** Takes the next request off the timeline and returns its due time. */
    long take() {
        if (finished()) {
            throw new IllegalStateException("connection " + connection + " already sent its " + requests
                    + " requests");
        }
        long due = nextDueNanos();
        sent++;
        return due;
    }

    /** Requests taken so far. */
    long sent() {
        return sent;
    }

    /** Requests this connection sends in the whole run. */
    long requests() {
        return requests;
    }
}
