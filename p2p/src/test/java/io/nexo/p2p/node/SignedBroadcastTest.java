package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.nexo.p2p.gossip.GossipVerifier;
import io.nexo.p2p.gossip.SignedGossip;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real node (mallory) that completed the real handshake with bob sends hand-made broadcasts on
 * its session: each forgery is refused by bob, counted against mallory and reported, honest
 * traffic from alice still arrives, and the third forgery costs mallory her session.
 */
class SignedBroadcastTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final TestNodes net = new TestNodes();

    @AfterEach
    void close() {
        net.close();
    }

    private static Gossip asAlice(NodeIdentity alice, long seqno, String text) {
        return SignedGossip.sign(alice, "alice", seqno, System.currentTimeMillis(), PeerNode.CHAT_TOPIC,
                ByteString.copyFromUtf8(text)).toBuilder().setHops(1).build();
    }

    private static void send(PeerSession s, Gossip g) {
        assertThat(s.send(Envelope.newBuilder().setGossip(g).build())).isTrue();
    }

    private List<PeerEvent.InvalidMessage> refusals(PeerNode n) {
        return net.events(n).events.stream().filter(e -> e instanceof PeerEvent.InvalidMessage)
                .map(e -> (PeerEvent.InvalidMessage) e).toList();
    }

    @Test
    void forgeriesAreRefusedCountedAndCostTheRelayItsSessionWhileHonestTrafficFlows() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        PeerNode mallory = net.start("mallory", bob);
        await().atMost(WAIT).until(() -> bob.peers().size() == 2);
        NodeIdentity aliceKey = alice.config().identity();
        PeerSession toBob = mallory.session(bob.peerId()).orElseThrow();

        // 1. a chat line "from alice" that mallory wrote and signed with her own key
        Gossip forged = SignedGossip.sign(mallory.config().identity(), "alice", 1, System.currentTimeMillis(),
                PeerNode.CHAT_TOPIC, ByteString.copyFromUtf8("alice owes me")).toBuilder()
                .setOriginId(alice.peerId().value()).setId(SignedGossip.messageId(alice.peerId().value(), 1)).build();
        send(toBob, forged);
        // 2. a genuine message of alice's with the payload changed, under its genuine id, first...
        Gossip genuine = asAlice(aliceKey, 42, "meet at noon");
        send(toBob, genuine.toBuilder().setPayload(ByteString.copyFromUtf8("meet at midnight")).build());
        // ... then the genuine copy, which must still be delivered
        send(toBob, genuine);
        await().atMost(WAIT).until(() -> net.events(bob).chatTexts().contains("meet at noon"));
        assertThat(net.events(bob).chatTexts()).containsExactly("meet at noon");
        PeerEvent.MessageReceived m = net.events(bob).messages().get(0);
        assertThat(m.originId()).isEqualTo(alice.peerId());
        assertThat(m.via()).isEqualTo(mallory.peerId());

        assertThat(refusals(bob)).extracting(PeerEvent.InvalidMessage::reason, PeerEvent.InvalidMessage::forgeries)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("wrong-key", 1),
                        org.assertj.core.groups.Tuple.tuple("bad-signature", 2));
        assertThat(refusals(bob)).allMatch(r -> r.via().equals(mallory.peerId())
                && r.claimedOrigin().equals(alice.peerId().value()));
        assertThat(bob.peers()).filteredOn(p -> p.id().equals(mallory.peerId()))
                .extracting(PeerInfo::refusedMessages).containsExactly(2);
        assertThat(bob.peers()).filteredOn(p -> p.id().equals(alice.peerId()))
                .extracting(PeerInfo::refusedMessages).containsExactly(0);

        // honest traffic around the forgeries: alice's own broadcast reaches bob and mallory
        alice.broadcast("honest line");
        await().atMost(WAIT).until(() -> net.events(bob).chatTexts().contains("honest line")
                && net.events(mallory).chatTexts().contains("honest line"));
        // the forgeries never left bob; bob forwarded the genuine "meet at noon" to alice, who
        // never sent it and does not deliver a message of her own she did not publish
        assertThat(net.events(alice).chatTexts()).isEmpty();
        assertThat(net.events(mallory).chatTexts()).containsExactly("honest line");

        // 3. a third forgery (junk signature; a seqno ahead of alice's, or it is refused as a replay
        // before its signature is even checked): bob closes mallory's session
        send(toBob, asAlice(aliceKey, Long.MAX_VALUE, "x").toBuilder().setSignature(ByteString.copyFrom(new byte[64])).build());
        await().atMost(WAIT).until(() -> net.events(bob).disconnected().contains(mallory.peerId()));
        assertThat(net.events(bob).events).filteredOn(e -> e instanceof PeerEvent.PeerDisconnected d
                        && d.peer().id().equals(mallory.peerId()))
                .extracting(e -> ((PeerEvent.PeerDisconnected) e).reason()).containsExactly("sent 3 forged messages");
        SignatureStats stats = bob.signatureStats();
        assertThat(stats.refused(GossipVerifier.Reason.WRONG_KEY)).isEqualTo(1);
        assertThat(stats.refused(GossipVerifier.Reason.BAD_SIGNATURE)).isEqualTo(2);
        assertThat(stats.refusedTotal()).isEqualTo(3);
        assertThat(bob.gossipStats().rejected()).isEqualTo(3);
        assertThat(alice.signatureStats().refusedTotal()).isZero();
    }

    @Test
    void aReplayedGenuineMessageIsRefusedButDoesNotCountAsAForgery() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        // each side reports the session on its own: bob's view says nothing about alice's
        await().atMost(WAIT).until(() -> bob.peers().size() == 1 && alice.session(bob.peerId()).isPresent());
        PeerSession toBob = alice.session(bob.peerId()).orElseThrow();
        NodeIdentity aliceKey = alice.config().identity();
        // seqno far below alice's own (which starts at the clock in microseconds): an old message
        send(toBob, asAlice(aliceKey, 5, "old"));
        await().atMost(WAIT).until(() -> net.events(bob).chatTexts().contains("old"));
        alice.broadcast("new");
        await().atMost(WAIT).until(() -> net.events(bob).chatTexts().contains("new"));
        // 5 is now more than the replay window behind alice's newest seqno
        send(toBob, asAlice(aliceKey, 6, "late"));
        await().atMost(WAIT).until(() -> bob.signatureStats().refusedTotal() == 1);
        assertThat(bob.signatureStats().refused(GossipVerifier.Reason.REPLAY)).isEqualTo(1);
        assertThat(refusals(bob)).extracting(PeerEvent.InvalidMessage::forgeries).containsExactly(0);
        assertThat(net.events(bob).chatTexts()).containsExactly("old", "new");
        assertThat(bob.peers()).extracting(PeerInfo::id).containsExactly(alice.peerId());
    }
}
