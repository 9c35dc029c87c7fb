package io.nexo.p2p.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-peer message rate, driven by a manual clock. */
class TokenBucketTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private int acquired(TokenBucket bucket, int attempts) {
        int n = 0;
        for (int i = 0; i < attempts; i++) {
            n += bucket.tryAcquire() ? 1 : 0;
        }
        return n;
    }

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void startsFullAndGivesExactlyTheBurstAtOnce() {
        TokenBucket bucket = new TokenBucket(5, 10, now::get);
        assertThat(acquired(bucket, 25)).isEqualTo(10);
        assertThat(bucket.tryAcquire()).isFalse();
    }

    @Test
    void refillsAtTheRate() {
        TokenBucket bucket = new TokenBucket(5, 10, now::get);
        acquired(bucket, 10);
        advanceMillis(199);
        assertThat(bucket.tryAcquire()).isFalse(); // 0.995 of a token
        advanceMillis(1);
        assertThat(bucket.tryAcquire()).isTrue();  // 200 ms at 5/s: exactly one
        assertThat(bucket.tryAcquire()).isFalse();
        advanceMillis(1_000);
        assertThat(acquired(bucket, 20)).isEqualTo(5);
    }

    @Test
    void fractionsOfATokenAccumulateAcrossCalls() {
        TokenBucket bucket = new TokenBucket(10, 1, now::get);
        assertThat(bucket.tryAcquire()).isTrue();
        for (int i = 0; i < 3; i++) {
            advanceMillis(25);
            assertThat(bucket.tryAcquire()).isFalse(); // each failed try must keep what was earned
        }
        advanceMillis(25);
        assertThat(bucket.tryAcquire()).isTrue();
    }

    @Test
    void neverSavesMoreThanTheBurst() {
        TokenBucket bucket = new TokenBucket(100, 3, now::get);
        acquired(bucket, 3);
        advanceMillis(TimeUnit.HOURS.toMillis(1));
        assertThat(acquired(bucket, 10)).isEqualTo(3);
    }

    @Test
    void sustainedRateOverAMinuteIsTheRatePlusTheBurst() {
        TokenBucket bucket = new TokenBucket(5, 10, now::get);
        int granted = 0;
        for (int ms = 0; ms < 60_000; ms += 10) { // a peer trying 100 times a second for a minute
            granted += bucket.tryAcquire() ? 1 : 0;
            advanceMillis(10);
        }
        assertThat(granted).isEqualTo(10 + 5 * 60 - 1); // the last refill lands after the last try
    }

    @Test
    void aClockThatWrapsAroundStillRefills() {
        now.set(Long.MAX_VALUE - TimeUnit.MILLISECONDS.toNanos(100));
        TokenBucket bucket = new TokenBucket(10, 1, now::get);
        assertThat(bucket.tryAcquire()).isTrue();
        advanceMillis(200); // System.nanoTime may be any value, and overflow
        assertThat(bucket.tryAcquire()).isTrue();
    }
}
