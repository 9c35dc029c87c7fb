package io.nexo.p2p.discovery;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with jitter for reconnection: after {@code n} consecutive failures the next
 * attempt waits a random time in [d/2, d] where {@code d = min(max, base * 2^(n-1))} ("equal
 * jitter"), so peers that lost the same node do not all redial it in the same instant.
 */
public record Backoff(Duration base, Duration max) {

    public Backoff {
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("backoff base: " + base + " (expected: > 0)");
        }
        if (max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff max: " + max + " (expected: >= base " + base + ")");
        }
    }

    /** The wait before the next attempt after {@code failures} (>= 1) consecutive failures. */
    public Duration delay(int failures, Random random) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        long baseMs = base.toMillis();
        long cap = max.toMillis();
        long d = failures > 30 ? cap : Math.min(cap, baseMs << (failures - 1));
        long half = d / 2;
        return Duration.ofMillis(half + (half > 0 ? (long) (random.nextDouble() * (d - half + 1)) : 0));
    }
}
