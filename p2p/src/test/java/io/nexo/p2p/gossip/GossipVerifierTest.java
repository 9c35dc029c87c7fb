package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.VerifiedSignatures;
import io.nexo.p2p.wire.proto.Gossip;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class GossipVerifierTest {

    private static final NodeIdentity ALICE = NodeIdentity.generate();
    private static final NodeIdentity MALLORY = NodeIdentity.generate();
    private static final long T0 = 1_700_000_000_000L;

    private final AtomicLong now = new AtomicLong(T0);
    private final GossipVerifier verifier = new GossipVerifier(VerifyParams.defaults(), now::get);

    private static Gossip fromAlice(long seqno, String text) {
        return SignedGossip.sign(ALICE, "alice", seqno, T0, "chat", ByteString.copyFromUtf8(text));
    }

    /** The signed layout, written out as the format defines it: signatures made by earlier versions must still verify. */
    private static byte[] signedBytes(Gossip g) {
        byte[] origin = g.getOriginIdBytes().toByteArray();
        byte[] name = g.getOriginNameBytes().toByteArray();
        byte[] topic = g.getTopicBytes().toByteArray();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * 4 + 2 * Long.BYTES + origin.length
                + name.length + topic.length + g.getPayload().size());
        b.putInt(origin.length).put(origin).putLong(g.getSeqno()).putLong(g.getOriginTimeMillis());
        b.putInt(name.length).put(name).putInt(topic.length).put(topic).putInt(g.getPayload().size());
        g.getPayload().copyTo(b);
        return b.array();
    }

    @Test
    void theDigestFedFieldByFieldIsTheDigestOfTheSignedBytes() {
        Gossip g = fromAlice(7, "digest me");
        byte[] prefix = "nexo-gossip-sig-v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(SignedGossip.digest(g))
                .isEqualTo(io.nexo.p2p.identity.Signatures.digest(prefix, signedBytes(g)))
                .isNotEqualTo(SignedGossip.digest(fromAlice(7, "digest mE")));
    }

    @Test
    void genuineMessageIsAcceptedOnce() {
        Gossip g = fromAlice(1, "hello");
        assertThat(g.getId()).isEqualTo(SignedGossip.messageId(ALICE.peerId().value(), 1));
        assertThat(verifier.check(g)).isNull();
        assertThat(verifier.check(g)).isEqualTo(GossipVerifier.Reason.REPLAY);
        // the hop count is not signed: relays change it
        assertThat(verifier.check(fromAlice(2, "again").toBuilder().setHops(5).build())).isNull();
        assertThat(verifier.verifiedCount()).isEqualTo(2);
    }

    @Test
    void nodesSharingAMemoVerifyEachSignatureOnceAndStillRefuseTamperedCopies() {
        VerifiedSignatures memo = VerifiedSignatures.shared();
        GossipVerifier first = new GossipVerifier(VerifyParams.defaults(), now::get, memo);
        GossipVerifier second = new GossipVerifier(VerifyParams.defaults(), now::get, memo);
        Gossip g = fromAlice(1, "pay bob 10");
        assertThat(first.check(g)).isNull();
        assertThat(first.verifiedCount()).isEqualTo(1);
        // the second node gets a tampered copy first: not the bytes the memo knows, verified and refused
        Gossip tampered = g.toBuilder().setPayload(ByteString.copyFromUtf8("pay eve 10")).build();
        assertThat(second.check(tampered)).isEqualTo(GossipVerifier.Reason.BAD_SIGNATURE);
        assertThat(second.verifiedCount()).isEqualTo(1);
        // then the genuine copy, with another hop count: answered by the memo, no verification of its own
        assertThat(second.check(g.toBuilder().setHops(3).build())).isNull();
        assertThat(second.verifiedCount()).isEqualTo(1);
        assertThat(second.memoHits()).isEqualTo(1);
        // its own checks still run: the same message again is a replay on this node
        assertThat(second.check(g)).isEqualTo(GossipVerifier.Reason.REPLAY);
        assertThat(memo.hits()).isEqualTo(1);
    }

    @Test
    void tamperedPayloadNameOrTopicUnderTheGenuineIdFailsTheSignature() {
        Gossip g = fromAlice(1, "pay bob 10");
        assertThat(verifier.check(g.toBuilder().setPayload(ByteString.copyFromUtf8("pay eve 10")).build()))
                .isEqualTo(GossipVerifier.Reason.BAD_SIGNATURE);
        assertThat(verifier.check(g.toBuilder().setOriginName("bob").build()))
                .isEqualTo(GossipVerifier.Reason.BAD_SIGNATURE);
        assertThat(verifier.check(g.toBuilder().setTopic("files/1").build()))
                .isEqualTo(GossipVerifier.Reason.BAD_SIGNATURE);
        // the refusals did not use up alice's seqno: the genuine copy still passes
        assertThat(verifier.check(g)).isNull();
    }

    @Test
    void forgedOriginIsRefusedWhicheverKeyItCarries() {
        // mallory signs with her own key but claims alice: her key does not hash to alice's id
        Gossip mine = SignedGossip.sign(MALLORY, "alice", 1, T0, "chat", ByteString.copyFromUtf8("hi"));
        Gossip claimed = mine.toBuilder().setOriginId(ALICE.peerId().value())
                .setId(SignedGossip.messageId(ALICE.peerId().value(), 1)).build();
        assertThat(verifier.check(claimed)).isEqualTo(GossipVerifier.Reason.WRONG_KEY);
        // with alice's public key attached, mallory's signature does not verify
        Gossip withAlicesKey = claimed.toBuilder().setOriginKey(ByteString.copyFrom(ALICE.publicKey().getEncoded())).build();
        assertThat(verifier.check(withAlicesKey)).isEqualTo(GossipVerifier.Reason.BAD_SIGNATURE);
        // and a key that is not a key at all
        Gossip junkKey = fromAlice(1, "x").toBuilder().setOriginKey(ByteString.copyFromUtf8("junk")).build();
        assertThat(verifier.check(junkKey)).isEqualTo(GossipVerifier.Reason.WRONG_KEY);
        // an origin id of the right length but not a peer id (upper case): refused, not thrown
        String shouting = ALICE.peerId().value().toUpperCase(java.util.Locale.ROOT);
        Gossip upper = fromAlice(2, "x").toBuilder().setOriginId(shouting).setId(SignedGossip.messageId(shouting, 2)).build();
        assertThat(verifier.check(upper)).isEqualTo(GossipVerifier.Reason.WRONG_KEY);
        assertThat(SignedGossip.verify(upper)).isEmpty();
    }

    @Test
    void idNotDerivedFromOriginAndSeqnoIsRefused() {
        Gossip g = fromAlice(1, "hello");
        assertThat(verifier.check(g.toBuilder().setId(ByteString.copyFrom(new byte[16])).build()))
                .isEqualTo(GossipVerifier.Reason.BAD_ID);
        assertThat(verifier.check(g.toBuilder().setSeqno(2).build())).isEqualTo(GossipVerifier.Reason.BAD_ID);
    }

    @Test
    void unsignedOrOversizedFieldsAreMalformed() {
        Gossip g = fromAlice(1, "hello");
        assertThat(verifier.check(g.toBuilder().clearSignature().build())).isEqualTo(GossipVerifier.Reason.MALFORMED);
        assertThat(verifier.check(g.toBuilder().clearOriginKey().build())).isEqualTo(GossipVerifier.Reason.MALFORMED);
        assertThat(verifier.check(g.toBuilder().setSignature(ByteString.copyFrom(new byte[81])).build()))
                .isEqualTo(GossipVerifier.Reason.MALFORMED);
        assertThat(verifier.check(g.toBuilder().setSignature(ByteString.copyFrom(new byte[70])).build()))
                .isEqualTo(GossipVerifier.Reason.BAD_SIGNATURE);
        assertThat(verifier.verifiedCount()).isEqualTo(1);
    }

    @Test
    void messagesOutsideTheTimeBoundsAreStale() {
        VerifyParams p = VerifyParams.defaults();
        Gossip g = fromAlice(1, "hello");
        now.set(T0 + p.maxAge().toMillis() + 1);
        assertThat(verifier.check(g)).isEqualTo(GossipVerifier.Reason.STALE);
        now.set(T0 - p.maxFutureSkew().toMillis() - 1);
        assertThat(verifier.check(g)).isEqualTo(GossipVerifier.Reason.STALE);
        now.set(T0 + p.maxAge().toMillis());
        assertThat(verifier.check(g)).isNull();
    }
}
