package io.nexo.p2p.files.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexo.p2p.identity.PeerId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeerAllowanceTest {

    private static final PeerId A = PeerId.parse("a".repeat(PeerId.LENGTH));
    private static final PeerId B = PeerId.parse("b".repeat(PeerId.LENGTH));

    private final AtomicLong clock = new AtomicLong();
    private final FileLimits limits = FileLimits.DEFAULTS.withControlRate(10_000, 100_000).withQueuedReplies(2, 100_000);
    private final PeerAllowance allowance = new PeerAllowance(limits, clock::get);

    @Test
    void controlBytesAreABurstThenARatePerPeer() {
        assertThat(allowance.admitControl(A, 60_000)).isTrue();
        assertThat(allowance.admitControl(A, 40_000)).isTrue();
        assertThat(allowance.admitControl(A, 1)).isFalse();
        assertThat(allowance.admitControl(B, 100_000)).isTrue(); // its own budget
        clock.addAndGet(1_000_000_000L); // one second: 10 000 bytes back
        assertThat(allowance.admitControl(A, 10_001)).isFalse();
        assertThat(allowance.admitControl(A, 10_000)).isTrue();
    }

    @Test
    void repliesAreBoundedInCountAndBytesUntilTheirWritesComplete() {
        PeerAllowance.Replies first = allowance.reserveReply(A, 60_000);
        assertThat(first).isNotNull();
        assertThat(allowance.reserveReply(A, 50_000)).isNull(); // bytes
        PeerAllowance.Replies second = allowance.reserveReply(A, 40_000);
        assertThat(second).isNotNull();
        assertThat(allowance.replyRoom(A)).isFalse();
        assertThat(allowance.reserveReply(A, 1)).isNull(); // count
        first.release(60_000);
        assertThat(allowance.replyRoom(A)).isTrue();
        assertThat(allowance.reserveReply(A, 60_000)).isNotNull();
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> FileLimits.DEFAULTS.withControlRate(10, 1 << 20))
                .hasMessage("files-control-rate: 10 bytes/s (expected: >= 1024)");
        assertThatThrownBy(() -> FileLimits.DEFAULTS.withOffers(10, 5))
                .hasMessage("files-max-offers: 5 (expected: >= files-max-offers-per-peer 10)");
        assertThatThrownBy(() -> FileLimits.DEFAULTS.withUploadTimeout(Duration.ofMillis(10)))
                .hasMessage("upload-timeout: 10 ms (expected: >= 1 s)");
    }
}
