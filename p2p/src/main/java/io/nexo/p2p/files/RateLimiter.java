package io.nexo.p2p.files;

import java.util.function.LongSupplier;

/**
 * A byte-rate limit for uploads (like BitTorrent clients' upload cap): each send reserves its
 * bytes and learns how long to wait before sending so the long-run rate stays at most
 * {@code bytesPerSecond}, with at most {@value #BURST_MILLIS} ms worth of burst (a small burst keeps
 * the cap honest over short transfers). Thread-safe; the clock is injected.
 */
public final class RateLimiter {

    /** Unused capacity kept for a burst, in milliseconds of the rate. */
    public static final long BURST_MILLIS = 100;
    private static final long BURST_NANOS = BURST_MILLIS * 1_000_000L;

    private final long bytesPerSecond;
    private final LongSupplier nanoTime;
    /** The time at which all bytes reserved so far will have been "paid for". */
    private long paidUntil;

    /** A limiter of {@code bytesPerSecond} (> 0). */
    public RateLimiter(long bytesPerSecond, LongSupplier nanoTime) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate: " + bytesPerSecond + " bytes/s (expected: > 0)");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.nanoTime = nanoTime;
        this.paidUntil = nanoTime.getAsLong() - BURST_NANOS;
    }

    /** Reserves {@code bytes}; returns the nanoseconds to wait before sending them (0 = now). */
    public synchronized long reserve(long bytes) {
        long now = nanoTime.getAsLong();
        // unused capacity older than the burst window is lost: that bounds the burst
        paidUntil = Math.max(paidUntil, now - BURST_NANOS);
        paidUntil += (long) (bytes * 1e9 / bytesPerSecond);
        return Math.max(0, paidUntil - now);
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }
}
