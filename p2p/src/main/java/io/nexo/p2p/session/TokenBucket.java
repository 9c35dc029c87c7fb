package io.nexo.p2p.session;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code rate} tokens per second, at most {@code burst} saved up; a token is a
 * message or a byte, as the caller counts. Not thread-safe (one per session, on its event loop).
 */
final class TokenBucket {
    private final double ratePerNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;

    TokenBucket(long ratePerSecond, long burst, LongSupplier nanoTime) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.nanoTime = nanoTime;
        this.tokens = burst;
        this.last = nanoTime.getAsLong();
    }

    boolean tryAcquire() {
        return tryAcquire(1);
    }

    /** Takes {@code n} tokens if there are that many; a request over the burst never succeeds. */
    boolean tryAcquire(long n) {
        long now = nanoTime.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
        last = now;
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }
}
