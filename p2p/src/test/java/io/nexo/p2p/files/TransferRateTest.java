package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TransferRateTest {

    @Test
    void measuresOverASlidingWindowSoAStallShows() {
        AtomicLong now = new AtomicLong();
        TransferRate rate = new TransferRate(now::get, TimeUnit.SECONDS.toNanos(5));
        assertThat(rate.bytesPerSecond()).isZero();
        assertThat(rate.etaSeconds(100)).isEqualTo(-1);

        for (int s = 1; s <= 10; s++) {
            now.set(TimeUnit.SECONDS.toNanos(s));
            rate.add(1_000_000);
        }
        assertThat(rate.bytesPerSecond()).isEqualTo(1_000_000.0);
        assertThat(rate.etaSeconds(3_000_000)).isEqualTo(3);

        now.set(TimeUnit.SECONDS.toNanos(20)); // nothing for ten seconds
        assertThat(rate.bytesPerSecond()).isLessThan(400_000.0);
        assertThat(rate.etaSeconds(0)).isZero();
    }
}
