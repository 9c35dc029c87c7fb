package io.nexo.lb.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one backend. Written on the proxy's event loops, read by scrapes and the status
 * API: every update is one uncontended add on a {@link LongAdder} cell (striped per thread), never a
 * lock. Counters survive a reload as long as the backend keeps its pool and name.
 */
public final class BackendStats {

    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder total = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder checks = new LongAdder();
    private final LongAdder checkFailures = new LongAdder();
    private volatile long lastCheckNanos = -1;
    private volatile String lastCheckError;

    /**
     * A connection to this backend is being attempted: it counts as active from now on, so that
     * least-connections and max-connections see it before the connect completes.
     */
    public void connectionStarted() {
        active.incrementAndGet();
    }

    /** The backend accepted the connection. */
    public void connectionEstablished() {
        total.increment();
    }

    /** A connection counted by {@link #connectionStarted()} ended (or its connect failed). */
    public void connectionClosed() {
        active.decrementAndGet();
    }

    /** Bytes read from the client and sent to this backend. */
    public void addBytesIn(long n) {
        bytesIn.add(n);
    }

    /** Bytes read from this backend and sent to the client. */
    public void addBytesOut(long n) {
        bytesOut.add(n);
    }

    public void connectFailed() {
        connectFailures.increment();
    }

    /** A health check passed after {@code nanos} (connect, and the answer for protocol checks). */
    public void checkSucceeded(long nanos) {
        lastCheckNanos = nanos;
        lastCheckError = null;
        checks.increment();
    }

    /** A health check failed, for {@code reason} ("connection refused", "HTTP status 503 ..."). */
    public void checkFailed(String reason) {
        lastCheckError = reason;
        checkFailures.increment();
        checks.increment();
    }

    /** Health checks completed, passed or failed. */
    public long checks() {
        return checks.sum();
    }

    public long checkFailures() {
        return checkFailures.sum();
    }

    /** Why the last health check failed, or {@code null} when it passed (or none ran yet). */
    public String lastCheckError() {
        return lastCheckError;
    }

    public int active() {
        return active.get();
    }

    public long total() {
        return total.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    /** Seconds the last successful check took, or {@code -1} before the first one. */
    public double lastCheckSeconds() {
        long n = lastCheckNanos;
        return n < 0 ? -1 : n / 1e9;
    }
}
