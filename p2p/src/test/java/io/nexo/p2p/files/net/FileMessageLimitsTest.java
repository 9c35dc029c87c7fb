package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import io.nexo.p2p.files.proto.Catalog;
import io.nexo.p2p.files.proto.FileAnnounce;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.FileOffer;
import io.nexo.p2p.files.proto.GetManifest;
import io.nexo.p2p.files.proto.Manifest;
import io.nexo.p2p.identity.NodeIdentity;
import org.junit.jupiter.api.Test;

import java.util.Collections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each files/1 bound: the largest allowed value passes, one more is refused naming the field. */
class FileMessageLimitsTest {

    private static final ByteString ID = ByteString.copyFrom(new byte[32]);
    private static final FileOffer OFFER = FileOffer.newBuilder().setId(ID).setName("a.txt").setSize(1).build();
    private static final FileAnnounce ANNOUNCE = FileAnnounce.newBuilder()
            .setHolderId(NodeIdentity.generate().peerId().value()).addHolderAddrs("127.0.0.1:7000").addOffers(OFFER).build();

    @Test
    void idsAreExactlyOneHash() {
        FileMessage ok = FileMessage.newBuilder().setGetManifest(GetManifest.newBuilder().setId(ID)).build();
        assertThat(FileMessageLimits.check(ok)).isSameAs(ok);
        assertThatThrownBy(() -> FileMessageLimits.check(FileMessage.newBuilder()
                .setGetManifest(GetManifest.newBuilder().setId(ByteString.copyFrom(new byte[33]))).build()))
                .hasMessage("GetManifest.id: 33 bytes (expected: 32)");
    }

    @Test
    void announcementsAreBounded() {
        assertThat(FileMessageLimits.check(ANNOUNCE)).isSameAs(ANNOUNCE);
        assertThatThrownBy(() -> FileMessageLimits.check(ANNOUNCE.toBuilder()
                .addAllHolderAddrs(Collections.nCopies(16, "127.0.0.1:1")).build()))
                .hasMessageStartingWith("FileAnnounce.holder_addrs: 17");
        assertThatThrownBy(() -> FileMessageLimits.check(ANNOUNCE.toBuilder()
                .addAllOffers(Collections.nCopies(64, OFFER)).build()))
                .hasMessage("FileAnnounce.offers: 65 (expected: at most 64)");
        FileAnnounce badOffer = ANNOUNCE.toBuilder().addOffers(OFFER.toBuilder().setName("n".repeat(256))
                .setId(ByteString.EMPTY)).build();
        assertThat(FileMessageLimits.check(badOffer)).as("skipped alone when learned").isSameAs(badOffer);
        assertThatThrownBy(() -> FileMessageLimits.check(ANNOUNCE.toBuilder().setHolderId("x").build()))
                .hasMessageStartingWith("FileAnnounce.holder_id");
    }

    @Test
    void aCatalogHoldsAtMost256AnnouncementsEachChecked() {
        Catalog.Builder c = Catalog.newBuilder().addAllAnnounces(Collections.nCopies(256, ANNOUNCE));
        FileMessageLimits.check(FileMessage.newBuilder().setCatalog(c).build());
        assertThatThrownBy(() -> FileMessageLimits.check(FileMessage.newBuilder().setCatalog(c.clone().addAnnounces(ANNOUNCE)).build()))
                .hasMessage("Catalog.announces + signed_announces: 257 (expected: at most 256)");
        // other holders' signed announcements count toward the same bound
        Catalog.Builder mixed = Catalog.newBuilder().addAllAnnounces(Collections.nCopies(128, ANNOUNCE))
                .addAllSignedAnnounces(Collections.nCopies(128, ByteString.copyFromUtf8("signed")));
        FileMessageLimits.check(FileMessage.newBuilder().setCatalog(mixed).build());
        assertThatThrownBy(() -> FileMessageLimits.check(FileMessage.newBuilder()
                .setCatalog(mixed.clone().addSignedAnnounces(ByteString.copyFromUtf8("signed"))).build()))
                .hasMessage("Catalog.announces + signed_announces: 257 (expected: at most 256)");
        assertThatThrownBy(() -> FileMessageLimits.check(FileMessage.newBuilder().setCatalog(Catalog.newBuilder()
                .addAnnounces(ANNOUNCE.toBuilder().addAllOffers(Collections.nCopies(64, OFFER)))).build()))
                .hasMessage("FileAnnounce.offers: 65 (expected: at most 64)");
    }

    @Test
    void aManifestsHashesAndBitmapAgree() {
        Manifest.Builder m = Manifest.newBuilder().setId(ID).setName("f").setChunkHashes(ByteString.copyFrom(new byte[64]))
                .setHave(ByteString.copyFrom(new byte[] {3}));
        FileMessageLimits.check(FileMessage.newBuilder().setManifest(m).build());
        assertThatThrownBy(() -> FileMessageLimits.check(FileMessage.newBuilder()
                .setManifest(m.clone().setChunkHashes(ByteString.copyFrom(new byte[65]))).build()))
                .hasMessageStartingWith("Manifest.chunk_hashes: 65 bytes");
        assertThatThrownBy(() -> FileMessageLimits.check(FileMessage.newBuilder()
                .setManifest(m.clone().setHave(ByteString.copyFrom(new byte[1000]))).build()))
                .hasMessage("Manifest.have: 1000 bytes for 2 chunks (expected: at most 1)");
    }
}
