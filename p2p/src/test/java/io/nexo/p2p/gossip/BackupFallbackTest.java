package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** When a node stops using its backup links, and when it tries them again (an injected clock). */
class BackupFallbackTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final BackupFallback fallback = new BackupFallback(
            GossipParams.defaults().withBackupWait(Duration.ofMillis(20)), now::get);
    private int nextId;

    private static ByteString id(int n) {
        return ByteString.copyFrom(ByteBuffer.allocate(4).putInt(n).array());
    }

    /** One window: {@code needless} backup grafts that proved needless, {@code lazy} messages by the lazy path. */
    private void window(int needless, int lazy) {
        for (int i = 0; i < BackupFallback.WINDOW; i++) {
            if (i < needless) {
                ByteString id = id(nextId++);
                fallback.graftedFromBackup(id);
                fallback.delivered(false);
                fallback.duplicate(id); // the tree's copy came as well
            } else {
                fallback.delivered(i - needless < lazy);
            }
        }
    }

    private void settle() {
        for (int i = 0; i < BackupFallback.SETTLING_WINDOWS; i++) {
            window(BackupFallback.MAX_NEEDLESS + 5, BackupFallback.MAX_LAZY_REPAIRS + 5); // not judged
        }
        assertThat(fallback.active()).isTrue();
    }

    @Test
    void offWithoutBackupWait() {
        BackupFallback off = new BackupFallback(GossipParams.defaults(), now::get);
        assertThat(off.active()).isFalse();
    }

    @Test
    void windowsWithinTheBoundsKeepBackupsInUse() {
        settle();
        window(BackupFallback.MAX_NEEDLESS, BackupFallback.MAX_LAZY_REPAIRS);
        window(0, 0);
        assertThat(fallback.active()).isTrue();
        assertThat(fallback.fallbacks()).isZero();
    }

    @Test
    void oneNeedlessGraftTooManyInAWindowFallsBackUntilThePauseEnds() {
        settle();
        window(BackupFallback.MAX_NEEDLESS + 1, 0);
        assertThat(fallback.active()).isFalse();
        assertThat(fallback.fallbacks()).isEqualTo(1);
        now.addAndGet(BackupFallback.FIRST_PAUSE_NANOS - 1);
        assertThat(fallback.active()).isFalse();
        now.addAndGet(1);
        assertThat(fallback.active()).isTrue();
    }

    @Test
    void oneLazyDeliveryTooManyInAWindowFallsBack() {
        settle();
        window(0, BackupFallback.MAX_LAZY_REPAIRS + 1);
        assertThat(fallback.active()).isFalse();
    }

    @Test
    void aDuplicateOfAnIdNotGraftedFromABackupIsNotNeedless() {
        settle();
        for (int i = 0; i < BackupFallback.WINDOW; i++) {
            fallback.delivered(false);
            fallback.duplicate(id(i)); // a plain duplicate: the eager floor's, not a backup's graft
        }
        assertThat(fallback.active()).isTrue();
    }

    @Test
    void thePauseDoublesWhileBackupsKeepFailingAndStartsOverAfterAGoodWindow() {
        long pause = BackupFallback.FIRST_PAUSE_NANOS;
        for (int round = 0; round < 3; round++) {
            settle();
            window(BackupFallback.MAX_NEEDLESS + 1, 0);
            now.addAndGet(pause - 1);
            assertThat(fallback.active()).as("round %d", round).isFalse();
            now.addAndGet(1);
            pause *= 2;
        }
        settle();
        window(0, 0); // a good window
        window(BackupFallback.MAX_NEEDLESS + 1, 0);
        now.addAndGet(BackupFallback.FIRST_PAUSE_NANOS);
        assertThat(fallback.active()).isTrue();
        assertThat(fallback.fallbacks()).isEqualTo(4);
    }

    @Test
    void thePauseIsCapped() {
        for (int round = 0; round < 8; round++) {
            settle();
            window(BackupFallback.MAX_NEEDLESS + 1, 0);
            now.addAndGet(BackupFallback.MAX_PAUSE_NANOS);
        }
        assertThat(fallback.active()).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMinutes(BackupFallback.MAX_PAUSE_NANOS)).isEqualTo(10);
    }
}
