package io.nexo.p2p.wire;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.wire.proto.Direct;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Goodbye;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.Graft;
import io.nexo.p2p.wire.proto.HolePunch;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.IHave;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import io.nexo.p2p.wire.proto.SignedPeerRecord;
import io.nexo.p2p.wire.proto.Welcome;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each bound: the largest value that is allowed passes, one more is refused with its reason. */
class EnvelopeValidatorTest {

    private static final String ID = NodeIdentity.generate().peerId().value();
    private static final ByteString MSG_ID = ByteString.copyFrom(new byte[WireLimits.MESSAGE_ID_BYTES]);

    private static Gossip.Builder gossip() {
        return Gossip.newBuilder().setId(MSG_ID).setOriginId(ID).setOriginName("alice").setTopic("chat")
                .setPayload(ByteString.copyFromUtf8("hi"));
    }

    private static Welcome.Builder welcome() {
        return Welcome.newBuilder().setName("alice").addListenAddrs("127.0.0.1:7000");
    }

    private static void passes(Envelope env) {
        assertThat(EnvelopeValidator.check(env)).isSameAs(env);
    }

    private static void refused(Envelope env, WireViolation why) {
        assertThatThrownBy(() -> EnvelopeValidator.check(env)).isInstanceOf(WireLimitException.class)
                .satisfies(e -> assertThat(((WireLimitException) e).violation()).isEqualTo(why));
    }

    private static Envelope g(UnaryOperator<Gossip.Builder> f) {
        return Envelope.newBuilder().setGossip(f.apply(gossip())).build();
    }

    private static Envelope w(UnaryOperator<Welcome.Builder> f) {
        return Envelope.newBuilder().setWelcome(f.apply(welcome())).build();
    }


    @Test
    void aNameHasAControlCharacterExactlyWhenItsTextDoes() {
        // every code point below U+0800 (one and two UTF-8 bytes: all the C0 and C1 controls and
        // their neighbours), and a few longer ones, alone and between printable text
        java.util.List<Integer> points = new java.util.ArrayList<>();
        for (int cp = 0; cp < 0x800; cp++) {
            points.add(cp);
        }
        points.addAll(java.util.List.of(0x2028, 0xFEFF, 0x1F600, 0x10FFFF));
        for (int cp : points) {
            String text = "a" + new String(Character.toChars(cp)) + "b";
            boolean control = text.codePoints().anyMatch(Character::isISOControl);
            assertThat(EnvelopeValidator.nameProblem(ByteString.copyFromUtf8(text)))
                    .as("U+%04X", cp).isEqualTo(control ? "control characters" : null);
        }
    }

    @Test
    void gossipIdsAreExactlySixteenBytes() {
        passes(g(b -> b));
        refused(g(b -> b.setId(ByteString.copyFrom(new byte[17]))), WireViolation.ID_LENGTH);
        refused(g(b -> b.setId(ByteString.EMPTY)), WireViolation.ID_LENGTH);
        refused(g(b -> b.setId(ByteString.copyFrom(new byte[1 << 20]))), WireViolation.ID_LENGTH);
    }

    @Test
    void originsArePeerIdsAndNamesAreShortAndPrintable() {
        refused(g(b -> b.setOriginId("alice")), WireViolation.PEER_ID);
        refused(g(b -> b.setOriginId(ID.toUpperCase())), WireViolation.PEER_ID);
        passes(g(b -> b.setOriginName("é".repeat(32)))); // 64 bytes
        refused(g(b -> b.setOriginName("é".repeat(32) + "x")), WireViolation.NAME);
        refused(g(b -> b.setOriginName("al\u001b[31mice")), WireViolation.NAME);
        refused(g(b -> b.setOriginName("line\nbreak")), WireViolation.NAME);
        passes(g(b -> b.setTopic("t".repeat(64))));
        refused(g(b -> b.setTopic("t".repeat(65))), WireViolation.TOPIC);
        refused(g(b -> b.setTopic("with space")), WireViolation.TOPIC);
    }

    @Test
    void welcomeListsAtMostSixteenAddressesOfBoundedLength() {
        passes(w(b -> b.addAllListenAddrs(Collections.nCopies(15, "127.0.0.1:7000"))));
        refused(w(b -> b.addAllListenAddrs(Collections.nCopies(16, "127.0.0.1:7000"))), WireViolation.ADDRESSES);
        passes(w(b -> b.addListenAddrs("h".repeat(255) + ":65535")));
        refused(w(b -> b.addListenAddrs("h".repeat(256) + ":65535")), WireViolation.ADDRESSES);
        refused(w(b -> b.setName("x".repeat(65))), WireViolation.NAME);
        passes(w(b -> b.setNetworkProof(ByteString.copyFrom(new byte[32]))));
        refused(w(b -> b.setNetworkProof(ByteString.copyFrom(new byte[33]))), WireViolation.ID_LENGTH);
    }

    @Test
    void iHaveAndGraftIdCountsAreBounded() {
        IHave.Builder ihave = IHave.newBuilder();
        for (int i = 0; i < WireLimits.MAX_IHAVE_IDS; i++) {
            ihave.addIds(MSG_ID);
        }
        passes(Envelope.newBuilder().setIhave(ihave).build());
        refused(Envelope.newBuilder().setIhave(ihave.addIds(MSG_ID)).build(), WireViolation.ID_COUNT);
        refused(Envelope.newBuilder().setIhave(IHave.newBuilder().addIds(ByteString.copyFrom(new byte[64]))).build(),
                WireViolation.ID_LENGTH);
        Graft.Builder graft = Graft.newBuilder();
        for (int i = 0; i < WireLimits.MAX_GRAFT_IDS; i++) {
            graft.addIds(MSG_ID);
        }
        passes(Envelope.newBuilder().setGraft(graft).build());
        refused(Envelope.newBuilder().setGraft(graft.addIds(MSG_ID)).build(), WireViolation.ID_COUNT);
        passes(Envelope.newBuilder().setGraft(Graft.getDefaultInstance()).build()); // "push to me"
    }

    @Test
    void peerExchangeEntriesAreBoundedAndChecked() {
        PeerAddress entry = PeerAddress.newBuilder().setPeerId(ID).setName("bob").addAddrs("127.0.0.1:7001").build();
        PeerExchange.Builder pex = PeerExchange.newBuilder();
        for (int i = 0; i < WireLimits.MAX_PEX_ENTRIES; i++) {
            pex.addPeers(entry);
        }
        passes(Envelope.newBuilder().setPex(pex).build());
        refused(Envelope.newBuilder().setPex(pex.clone().addPeers(entry)).build(), WireViolation.PEX_ENTRIES);
        // a bad name is skipped with its entry by the address exchange, not refused here
        passes(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(entry.toBuilder()
                .setName("n\u001b".repeat(100)))).build());
        refused(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(entry.toBuilder()
                .addAllAddrs(Collections.nCopies(16, "127.0.0.1:1")))).build(), WireViolation.ADDRESSES);
        refused(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(entry.toBuilder()
                .setPeerId("not-an-id"))).build(), WireViolation.PEER_ID);
    }

    @Test
    void holePunchAddressesAreBoundedLikeWelcomes() {
        passes(Envelope.newBuilder().setHolePunch(HolePunch.newBuilder().setType(HolePunch.Type.CONNECT)
                .addAllAddrs(Collections.nCopies(WireLimits.MAX_ADDRS, "198.18.0.1:4001"))).build());
        refused(Envelope.newBuilder().setHolePunch(HolePunch.newBuilder().setType(HolePunch.Type.CONNECT)
                .addAllAddrs(Collections.nCopies(WireLimits.MAX_ADDRS + 1, "198.18.0.1:4001"))).build(),
                WireViolation.ADDRESSES);
        refused(Envelope.newBuilder().setHolePunch(HolePunch.newBuilder().setType(HolePunch.Type.CONNECT)
                .addAddrs("h".repeat(256) + ":65535")).build(), WireViolation.ADDRESSES);
    }

    private static ByteString bytes(int n) {
        return ByteString.copyFrom(new byte[n]);
    }

    @Test
    void gossipKeysAndSignaturesAreBounded() {
        passes(g(b -> b.setOriginKey(bytes(WireLimits.MAX_KEY_BYTES)).setSignature(bytes(WireLimits.MAX_SIGNATURE_BYTES))));
        refused(g(b -> b.setOriginKey(bytes(WireLimits.MAX_KEY_BYTES + 1))), WireViolation.SIGNATURE_FIELD);
        refused(g(b -> b.setSignature(bytes(WireLimits.MAX_SIGNATURE_BYTES + 1))), WireViolation.SIGNATURE_FIELD);
    }

    @Test
    void signedPeerRecordsAreBounded() {
        SignedPeerRecord max = SignedPeerRecord.newBuilder().setRecord(bytes(WireLimits.MAX_PEER_RECORD_BYTES))
                .setKey(bytes(WireLimits.MAX_KEY_BYTES)).setSignature(bytes(WireLimits.MAX_SIGNATURE_BYTES)).build();
        PeerAddress entry = PeerAddress.newBuilder().setPeerId(ID).setSignedRecord(max).build();
        passes(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(entry)).build());
        // the record names its peer: peer_id may be left out, but not without a record
        passes(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(entry.toBuilder().clearPeerId())).build());
        refused(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(entry.toBuilder().clearPeerId()
                .clearSignedRecord())).build(), WireViolation.PEER_ID);
        for (SignedPeerRecord over : new SignedPeerRecord[] {
                max.toBuilder().setRecord(bytes(WireLimits.MAX_PEER_RECORD_BYTES + 1)).build(),
                max.toBuilder().setKey(bytes(WireLimits.MAX_KEY_BYTES + 1)).build(),
                max.toBuilder().setSignature(bytes(WireLimits.MAX_SIGNATURE_BYTES + 1)).build()}) {
            refused(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(entry.toBuilder().setSignedRecord(over)))
                    .build(), WireViolation.SIGNATURE_FIELD);
        }
    }

    @Test
    void helloDirectAndGoodbyeFields() {
        passes(Envelope.newBuilder().setHello(Hello.newBuilder().setPeerId(ID)
                .setNonce(ByteString.copyFrom(new byte[32]))).build());
        refused(Envelope.newBuilder().setHello(Hello.newBuilder().setPeerId(ID)
                .setNonce(ByteString.copyFrom(new byte[31]))).build(), WireViolation.ID_LENGTH);
        Direct d = Direct.newBuilder().setId(MSG_ID).setFromId(ID).setToId(ID).setFromName("a").setText("hi").build();
        passes(Envelope.newBuilder().setDirect(d).build());
        refused(Envelope.newBuilder().setDirect(d.toBuilder().setToId("")).build(), WireViolation.PEER_ID);
        refused(Envelope.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("r".repeat(513))).build(),
                WireViolation.REASON);
    }

    @Test
    void theDecoderRefusesAViolationAfterParsing() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1 << 20));
        Envelope bad = g(b -> b.setId(ByteString.copyFrom(new byte[100])));
        byte[] body = bad.toByteArray();
        ByteBuf frame = Unpooled.buffer().writeInt(1 + body.length).writeByte(WireFormat.KIND_ENVELOPE).writeBytes(body);
        assertThatThrownBy(() -> ch.writeInbound(frame)).isInstanceOf(WireLimitException.class)
                .hasMessageContaining("Gossip.id: 100 bytes (expected: 16)");
    }
}
