package io.nexo.bench.latency;

/**
 * The fixed timeline of an open-loop run (wrk2's model): request {@code k} (0-based, counted over all
 * connections) is due {@code k / rate} seconds after the start, whatever happened to earlier requests.
 * Connection {@code c} of {@code C} owns requests {@code c, c + C, c + 2C, ...}, so each connection
 * runs at {@code rate / C} and the connections are evenly staggered.
 *
 * <p>Example: rate 1000/s, 4 connections: connection 1 sends requests 1, 5, 9, ... due at 1 ms, 5 ms,
 * 9 ms, ...; together the four send one request every millisecond.
 */
final class Timeline {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long startNanos;
    private final int rate;
    private final int connections;
    private final long totalRequests;

    /**
     * @param startNanos    when request 0 is due, on the run's clock
     * @param rate          requests per second over all connections
     * @param connections   number of connections sharing the timeline
     * @param totalRequests requests in the whole run (warm-up included)
     */
    Timeline(long startNanos, int rate, int connections, long totalRequests) {
        if (rate < 1 || connections < 1 || totalRequests < 0) {
            throw new IllegalArgumentException("rate " + rate + ", connections " + connections
                    + ", requests " + totalRequests + " (expected: >= 1, >= 1, >= 0)");
        }
        // k * 1e9 must not overflow a long: about 9.2e9 requests, hours at any rate a box can drive
        if (totalRequests > Long.MAX_VALUE / NANOS_PER_SECOND) {
            throw new IllegalArgumentException("requests: " + totalRequests + " (expected: <= "
                    + Long.MAX_VALUE / NANOS_PER_SECOND + ")");
        }
        this.startNanos = startNanos;
        this.rate = rate;
        this.connections = connections;
        this.totalRequests = totalRequests;
    }

    /** When request {@code k} is due: the start plus {@code k / rate} seconds, rounded down to a nanosecond. */
    long dueNanos(long k) {
        return startNanos + k * NANOS_PER_SECOND / rate;
    }

    /** The global index of connection {@code c}'s {@code i}-th request. */
    long index(int c, long i) {
        return i * connections + c;
    }

    /** How many requests connection {@code c} sends in the whole run. */
    long requestsOf(int c) {
        if (c >= totalRequests) {
            return 0;
        }
        return (totalRequests - c + connections - 1) / connections;
    }

    long startNanos() {
        return startNanos;
    }

    long totalRequests() {
        return totalRequests;
    }

    int connections() {
        return connections;
    }

    /** When the last request of the run is due (the start itself for an empty run). */
    long lastDueNanos() {
        return totalRequests == 0 ? startNanos : dueNanos(totalRequests - 1);
    }
}
