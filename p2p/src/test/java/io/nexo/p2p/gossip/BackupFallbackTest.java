package io.nexo.p2p.gossip;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupFallbackTest {

    private static final long WAIT = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private long now = 1_000 * SECOND;
    private final BackupFallback fallback = new BackupFallback(WAIT, () -> now);

    private void timerLateBy(long nanos) {
        fallback.timerRan(now - nanos);
    }

    /** Four timers in a row later than half the wait: the moving share reaches 1 - 0.9^4 = 0.34 > 0.3. */
    private void trip() {
        for (int i = 0; i < 4; i++) {
            assertThat(fallback.active()).isFalse();
            timerLateBy(WAIT / 2 + 1);
        }
        assertThat(fallback.active()).isTrue();
    }

    @Test
    void timersUpToHalfTheWaitLateNeverTripIt() {
        for (int i = 0; i < 1_000; i++) {
            timerLateBy(WAIT / 2);
            now += SECOND / 100;
        }
        assertThat(fallback.active()).isFalse();
        assertThat(fallback.trips()).isZero();
    }

    @Test
    void aFewLateTimersAmongOnTimeOnesDoNotTripIt() {
        for (int i = 0; i < 1_000; i++) {
            timerLateBy(i % 5 == 0 ? WAIT : 0); // one in five late: the share stays near 0.2
        }
        assertThat(fallback.trips()).isZero();
    }

    @Test
    void mostRecentTimersLateTripItForThirtySecondsThenBackupsComeBack() {
        trip();
        assertThat(fallback.trips()).isEqualTo(1);
        now += 30 * SECOND - 1;
        timerLateBy(0); // samples during the hold change nothing
        assertThat(fallback.active()).isTrue();
        now += 1;
        assertThat(fallback.active()).isFalse();
        // the share starts afresh: three late timers are not enough
        for (int i = 0; i < 3; i++) {
            timerLateBy(WAIT);
        }
        assertThat(fallback.active()).isFalse();
    }

    @Test
    void tripsSoonAfterEachOtherDoubleTheHoldUpToTenMinutesAndACalmSpellStartsOver() {
        long[] holds = {30, 60, 120, 240, 480, 600, 600};
        for (long hold : holds) {
            trip();
            now += hold * SECOND - 1;
            assertThat(fallback.active()).as("hold of %d s", hold).isTrue();
            now += 1;
            assertThat(fallback.active()).isFalse();
        }
        now += 600 * SECOND; // calm for as long as the last hold
        trip();
        now += 30 * SECOND;
        assertThat(fallback.active()).isFalse();
        assertThat(fallback.trips()).isEqualTo(holds.length + 1);
    }

    @Test
    void aBackupWaitOfZeroIsRefused() {
        assertThatThrownBy(() -> new BackupFallback(0, () -> 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backupWaitNanos: 0");
    }
}
