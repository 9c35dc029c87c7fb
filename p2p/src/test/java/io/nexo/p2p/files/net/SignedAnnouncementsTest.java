package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import io.nexo.p2p.gossip.SignedGossip;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.wire.proto.Gossip;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class SignedAnnouncementsTest {

    private static final NodeIdentity HOLDER = NodeIdentity.generate();
    private static final NodeIdentity OTHER = NodeIdentity.generate();
    private static final long T0 = 1_700_000_000_000L;
    private static final Duration VALIDITY = Duration.ofSeconds(90);

    private final AtomicLong now = new AtomicLong(T0);
    private final SignedAnnouncements kept = new SignedAnnouncements(VALIDITY, 16, now::get);

    private static Gossip announce(NodeIdentity by, long seqno, String payload) {
        return SignedGossip.sign(by, "h", seqno, T0, FileFrames.PROTOCOL, ByteString.copyFromUtf8(payload));
    }

    @Test
    void aHoldersOwnAnnouncementIsAcceptedAndPassedOnToOthersOnly() {
        var v = kept.verify(announce(HOLDER, 1, "offer").toByteString(), FileFrames.PROTOCOL).orElseThrow();
        assertThat(v.holder()).isEqualTo(HOLDER.peerId());
        assertThat(new String(v.payload())).isEqualTo("offer");
        assertThat(kept.forCatalog(OTHER.peerId())).hasSize(1);
        assertThat(kept.forCatalog(HOLDER.peerId())).isEmpty();
    }

    @Test
    void tamperedRetitledOrReassignedAnnouncementsAreRefused() {
        Gossip g = announce(HOLDER, 1, "offer");
        assertThat(kept.verify(g.toBuilder().setPayload(ByteString.copyFromUtf8("withdraw")).build().toByteString(),
                FileFrames.PROTOCOL)).isEmpty();
        assertThat(kept.verify(g.toBuilder().setOriginId(OTHER.peerId().value()).build().toByteString(),
                FileFrames.PROTOCOL)).isEmpty();
        assertThat(kept.verify(announce(HOLDER, 2, "chat line").toByteString(), "chat")).isEmpty();
        assertThat(kept.verify(ByteString.copyFromUtf8("junk"), FileFrames.PROTOCOL)).isEmpty();
        assertThat(kept.forCatalog(OTHER.peerId())).isEmpty();
    }

    @Test
    void anAnnouncementOlderThanItsValidityIsNeitherAcceptedNorPassedOn() {
        Gossip g = announce(HOLDER, 1, "offer");
        kept.remember(HOLDER.peerId(), g.toByteArray());
        now.set(T0 + VALIDITY.toMillis() + 1);
        assertThat(kept.forCatalog(OTHER.peerId())).isEmpty();
        assertThat(kept.verify(g.toByteString(), FileFrames.PROTOCOL)).isEmpty();
    }

    @Test
    void onlyTheNewestFewPerHolderAreKept() {
        for (int i = 0; i < SignedAnnouncements.PER_HOLDER + 3; i++) {
            kept.remember(HOLDER.peerId(), announce(HOLDER, i, "offer " + i).toByteArray());
        }
        kept.remember(HOLDER.peerId(), announce(HOLDER, 6, "offer 6").toByteArray()); // same id again: kept once
        assertThat(kept.forCatalog(OTHER.peerId())).hasSize(SignedAnnouncements.PER_HOLDER)
                .last().satisfies(b -> assertThat(Gossip.parseFrom(b).getPayload().toStringUtf8()).isEqualTo("offer 6"));
    }
}
