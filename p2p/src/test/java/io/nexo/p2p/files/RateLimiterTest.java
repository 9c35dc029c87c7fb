package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void allowsAShortBurstThenPacesAtTheRate() {
        AtomicLong now = new AtomicLong(5_000_000_000L);
        RateLimiter limit = new RateLimiter(1000, now::get);

        assertThat(limit.reserve(100)).isZero();          // 100 ms of burst
        assertThat(limit.reserve(500)).isEqualTo(500_000_000L);
        assertThat(limit.reserve(500)).isEqualTo(1_000_000_000L);

        now.addAndGet(1_000_000_000L);
        assertThat(limit.reserve(100)).isEqualTo(100_000_000L);

        now.addAndGet(60_000_000_000L); // idle for a minute: still only 100 ms of burst
        assertThat(limit.reserve(100)).isZero();
        assertThat(limit.reserve(1000)).isEqualTo(1_000_000_000L);
    }

    @Test
    void rejectsNonPositiveRates() {
        assertThatThrownBy(() -> new RateLimiter(0, System::nanoTime)).hasMessage("rate: 0 bytes/s (expected: > 0)");
    }
}
