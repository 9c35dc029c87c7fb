package io.nexo.p2p.discovery;

import com.google.protobuf.ByteString;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.wire.proto.PeerRecord;
import io.nexo.p2p.wire.proto.SignedPeerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PeerRecordsTest {

    private static final NodeIdentity ALICE = NodeIdentity.generate();
    private static final NodeIdentity MALLORY = NodeIdentity.generate();
    private static final HostAndPort HOME = new HostAndPort("127.0.0.1", 5000);
    private static final HostAndPort VICTIM = new HostAndPort("127.0.0.9", 443);

    @Test
    void aRecordVerifiesAsItsSignerSaidIt() {
        PeerRecords.Verified v = PeerRecords.verify(PeerRecords.sign(ALICE, "alice", List.of(HOME), 7)).orElseThrow();
        assertThat(v.peer()).isEqualTo(ALICE.peerId());
        assertThat(v.seqno()).isEqualTo(7);
        assertThat(v.name()).isEqualTo("alice");
        assertThat(v.addrs()).containsExactly(HOME);
    }

    @Test
    void relayedAddressesAreSignedAsRelayHostPortAndReadBackApart() throws Exception {
        HostAndPort relay = new HostAndPort("198.51.100.7", 4001);
        SignedPeerRecord signed = PeerRecords.sign(ALICE, "alice", List.of(HOME), List.of(relay), 8);
        assertThat(PeerRecord.parseFrom(signed.getRecord()).getAddrsList())
                .containsExactly("127.0.0.1:5000", "relay:198.51.100.7:4001");
        PeerRecords.Verified v = PeerRecords.verify(signed).orElseThrow();
        assertThat(v.addrs()).containsExactly(HOME);
        assertThat(v.relays()).containsExactly(relay);
        assertThat(v.targets()).containsExactly(DialTarget.of(ALICE.peerId(), HOME),
                DialTarget.viaRelay(ALICE.peerId(), relay));
    }

    @Test
    void aRecordWithAnAddressThatDoesNotParseIsRefusedWhole() throws Exception {
        for (String bad : List.of("relay:", "relay:nohost", "relay:relay:1.2.3.4:5", "relay:[zz]:5", "1.2.3.4",
                "relay:1.2.3.4:" + "9".repeat(300))) {
            PeerRecord r = PeerRecord.newBuilder().setPeerId(ALICE.peerId().value()).setSeqno(9).setName("alice")
                    .addAddrs(HOME.toString()).addAddrs(bad).build();
            SignedPeerRecord signed = SignedPeerRecord.newBuilder().setRecord(r.toByteString())
                    .setKey(ByteString.copyFrom(ALICE.publicKey().getEncoded()))
                    .setSignature(ByteString.copyFrom(io.nexo.p2p.identity.Signatures.sign(ALICE.privateKey(),
                            "nexo-peer-record-v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                            r.toByteArray())))
                    .build();
            assertThat(PeerRecords.verify(signed)).as(bad).isEmpty();
        }
    }

    @Test
    void aRecordNeverListsMoreThanEightAddressesRelaysIncluded() throws Exception {
        List<HostAndPort> many = java.util.stream.IntStream.range(0, 10).mapToObj(i -> new HostAndPort("10.0.0." + i, 5000))
                .toList();
        SignedPeerRecord signed = PeerRecords.sign(ALICE, "alice", many, List.of(new HostAndPort("10.0.1.1", 4001)), 1);
        assertThat(PeerRecord.parseFrom(signed.getRecord()).getAddrsCount()).isEqualTo(PeerRecords.MAX_ADDRS);
        PeerRecord nine = PeerRecord.parseFrom(signed.getRecord()).toBuilder().addAddrs("relay:10.0.1.1:4001").build();
        assertThat(PeerRecords.verify(signed.toBuilder().setRecord(nine.toByteString()).build())).isEmpty();
    }

    @Test
    void changedAddressesOrAnotherSignersKeyAreRefused() throws Exception {
        SignedPeerRecord genuine = PeerRecords.sign(ALICE, "alice", List.of(HOME), 7);
        PeerRecord moved = PeerRecord.parseFrom(genuine.getRecord()).toBuilder().clearAddrs().addAddrs(VICTIM.toString()).build();
        assertThat(PeerRecords.verify(genuine.toBuilder().setRecord(moved.toByteString()).build())).isEmpty();
        // mallory signs a record naming alice: her key does not hash to alice's id
        PeerRecord asAlice = PeerRecord.parseFrom(PeerRecords.sign(MALLORY, "alice", List.of(VICTIM), 8).getRecord())
                .toBuilder().setPeerId(ALICE.peerId().value()).build();
        SignedPeerRecord forged = PeerRecords.sign(MALLORY, "alice", List.of(VICTIM), 8).toBuilder()
                .setRecord(asAlice.toByteString()).build();
        assertThat(PeerRecords.verify(forged)).isEmpty();
        assertThat(PeerRecords.verify(forged.toBuilder().setKey(genuine.getKey()).build())).isEmpty();
        assertThat(PeerRecords.verify(genuine.toBuilder().setSignature(ByteString.copyFrom(new byte[81])).build())).isEmpty();
    }

    @Test
    void onlyANewerSeqnoReplacesTheRecordHeld() {
        PeerRecords held = new PeerRecords(16);
        PeerRecords.Verified v7 = PeerRecords.verify(PeerRecords.sign(ALICE, "alice", List.of(HOME), 7)).orElseThrow();
        PeerRecords.Verified v6 = PeerRecords.verify(PeerRecords.sign(ALICE, "alice", List.of(VICTIM), 6)).orElseThrow();
        PeerRecords.Verified v8 = PeerRecords.verify(PeerRecords.sign(ALICE, "alice", List.of(VICTIM), 8)).orElseThrow();
        assertThat(held.offer(v7)).isTrue();
        assertThat(held.offer(v6)).isFalse();
        assertThat(held.offer(v7)).isFalse();
        assertThat(held.get(ALICE.peerId())).contains(v7.signed());
        assertThat(held.offer(v8)).isTrue();
        assertThat(held.get(ALICE.peerId())).contains(v8.signed());
        assertThat(held.get(MALLORY.peerId())).isEmpty();
    }

    @Test
    void onlyTheVeryRecordHeldIsTakenWithoutAVerification() throws Exception {
        PeerRecords held = new PeerRecords(16);
        SignedPeerRecord genuine = PeerRecords.sign(ALICE, "alice", List.of(HOME), 7);
        assertThat(held.heldIdentical(genuine)).isEmpty(); // not held yet: it must be verified
        held.offer(PeerRecords.verify(genuine).orElseThrow());
        assertThat(held.heldIdentical(genuine.toBuilder().build())).map(PeerRecords.Verified::signed).contains(genuine);
        // the same peer and seqno with other addresses, or another signature: not the record held
        PeerRecord moved = PeerRecord.parseFrom(genuine.getRecord()).toBuilder().clearAddrs().addAddrs(VICTIM.toString()).build();
        assertThat(held.heldIdentical(genuine.toBuilder().setRecord(moved.toByteString()).build())).isEmpty();
        assertThat(held.heldIdentical(genuine.toBuilder().setSignature(ByteString.copyFrom(new byte[70])).build())).isEmpty();
        assertThat(held.heldIdentical(genuine.toBuilder().setRecord(ByteString.copyFromUtf8("junk")).build())).isEmpty();
    }

    @Test
    void aSharedMemoSkipsOnlyTheVerificationOfIdenticalBytes() throws Exception {
        io.nexo.p2p.identity.VerifiedSignatures memo = io.nexo.p2p.identity.VerifiedSignatures.shared();
        SignedPeerRecord genuine = PeerRecords.sign(ALICE, "alice", List.of(HOME), 7);
        assertThat(PeerRecords.verify(genuine, memo)).isPresent();
        assertThat(PeerRecords.verify(genuine, memo)).isPresent();
        assertThat(memo.hits()).isEqualTo(1);
        PeerRecord moved = PeerRecord.parseFrom(genuine.getRecord()).toBuilder().clearAddrs().addAddrs(VICTIM.toString()).build();
        assertThat(PeerRecords.verify(genuine.toBuilder().setRecord(moved.toByteString()).build(), memo)).isEmpty();
        assertThat(memo.hits()).isEqualTo(1);
    }
}
