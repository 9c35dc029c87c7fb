package io.nexo.p2p.files.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexo.p2p.files.FileId;
import io.nexo.p2p.identity.PeerId;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestedChunksTest {

    private static final PeerId A = PeerId.parse("a".repeat(PeerId.LENGTH));
    private static final PeerId B = PeerId.parse("b".repeat(PeerId.LENGTH));
    private static final FileId F = FileId.of(new byte[FileId.BYTES]);

    private final AtomicLong clock = new AtomicLong();
    private final RequestedChunks requested = new RequestedChunks(clock::get);

    @Test
    void onlyTheBlocksOfAChunkAskedOfThatPeerAreTaken() {
        requested.requested(A, F, 3);
        assertThat(requested.check(A, F, 3, 100)).isEqualTo(RequestedChunks.Verdict.REQUESTED);
        assertThat(requested.check(B, F, 3, 100)).isEqualTo(RequestedChunks.Verdict.UNREQUESTED);
        assertThat(requested.check(A, F, 4, 100)).isEqualTo(RequestedChunks.Verdict.UNREQUESTED);
        requested.arrived(A, F, 3);
        assertThat(requested.check(A, F, 3, 100)).isEqualTo(RequestedChunks.Verdict.UNREQUESTED); // a second copy
    }

    @Test
    void aCancelledChunkMaySendItsLengthLateThenNoMore() {
        requested.requested(A, F, 0);
        requested.cancelled(A, F, 0, 300);
        assertThat(requested.check(A, F, 0, 200)).isEqualTo(RequestedChunks.Verdict.LATE);
        assertThat(requested.check(A, F, 0, 100)).isEqualTo(RequestedChunks.Verdict.LATE);
        assertThat(requested.check(A, F, 0, 1)).isEqualTo(RequestedChunks.Verdict.UNREQUESTED);
        requested.cancelled(B, F, 0, 300); // never requested of B: nothing tolerated
        assertThat(requested.check(B, F, 0, 1)).isEqualTo(RequestedChunks.Verdict.UNREQUESTED);
    }

    @Test
    void requestsAndTolerancesExpireAndStrikesAreForgottenWithThePeer() {
        requested.requested(A, F, 0);
        requested.requested(A, F, 1);
        requested.cancelled(A, F, 1, 300);
        clock.addAndGet(RequestedChunks.LATE_NANOS);
        requested.expire();
        assertThat(requested.open()).isZero();
        assertThat(requested.check(A, F, 1, 1)).isEqualTo(RequestedChunks.Verdict.UNREQUESTED);

        assertThat(requested.strike(A)).isEqualTo(1);
        assertThat(requested.strike(A)).isEqualTo(2);
        requested.forget(A);
        assertThat(requested.strike(A)).isEqualTo(1);
    }
}
