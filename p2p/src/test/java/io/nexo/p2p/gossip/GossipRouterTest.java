package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.Graft;
import io.nexo.p2p.wire.proto.IHave;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class GossipRouterTest {

    private static final PeerId SELF = NodeIdentity.generate().peerId();
    private static final PeerId A = NodeIdentity.generate().peerId();
    private static final PeerId B = NodeIdentity.generate().peerId();
    private static final PeerId C = NodeIdentity.generate().peerId();

    private record Sent(PeerId to, Envelope env) {
        String describe() {
            String who = to.equals(A) ? "A" : to.equals(B) ? "B" : to.equals(C) ? "C" : "?";
            return who + ":" + env.getBodyCase() + (env.hasGossip() ? "(hops=" + env.getGossip().getHops() + ")" : "");
        }
    }

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<Sent> sent = new ArrayList<>();
    private final List<String> delivered = new ArrayList<>();

    private GossipRouter router(GossipParams params) {
        GossipRouter r = new GossipRouter(params, (to, env) -> sent.add(new Sent(to, env)),
                (g, from) -> delivered.add(g.getPayload().toStringUtf8()), scheduler, new Random(1),
                scheduler::nanoTime);
        r.peerUp(A);
        r.peerUp(B);
        r.peerUp(C);
        return r;
    }

    private static Gossip msg(int id, String text, int hops) {
        return Gossip.newBuilder().setId(ByteString.copyFrom(new byte[] {(byte) id})).setOriginId(A.value())
                .setTopic("chat").setPayload(ByteString.copyFromUtf8(text)).setHops(hops).build();
    }

    private List<String> sentLog() {
        List<String> s = sent.stream().map(Sent::describe).toList();
        sent.clear();
        return s;
    }

    @Test
    void newMessageIsDeliveredOnceAndPushedToEveryOtherEagerPeer() {
        GossipRouter r = router(GossipParams.defaults());
        r.onGossip(A, msg(1, "hi", 1));
        assertThat(delivered).containsExactly("hi");
        assertThat(sentLog()).containsExactly("B:GOSSIP(hops=2)", "C:GOSSIP(hops=2)");
    }

    @Test
    void duplicateIsNotDeliveredAndItsSenderIsPrunedToLazy() {
        GossipRouter r = router(GossipParams.defaults());
        r.onGossip(A, msg(1, "hi", 1));
        sentLog();
        r.onGossip(B, msg(1, "hi", 2));
        assertThat(delivered).containsExactly("hi");
        assertThat(sentLog()).containsExactly("B:PRUNE");
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, C);
        assertThat(r.stats().duplicates()).isEqualTo(1);

        // next message: B (lazy) only hears the id, batched after ihaveInterval
        r.onGossip(A, msg(2, "again", 1));
        assertThat(sentLog()).containsExactly("C:GOSSIP(hops=2)");
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(sentLog()).containsExactly("B:IHAVE");
    }

    @Test
    void missingMessageAnnouncedByIHaveIsGraftedAfterTheTimeout() {
        GossipRouter r = router(GossipParams.defaults());
        ByteString id = ByteString.copyFrom(new byte[] {9});
        r.onIHave(B, IHave.newBuilder().addIds(id).build());
        r.onIHave(C, IHave.newBuilder().addIds(id).build());
        scheduler.advance(GossipParams.defaults().graftTimeout().toMillis() - 1);
        assertThat(sentLog()).isEmpty();
        scheduler.advance(1);
        assertThat(sentLog()).containsExactly("B:GRAFT");
        // B does not answer: the next announcer is asked after graftRetry
        scheduler.advance(GossipParams.defaults().graftRetry().toMillis());
        assertThat(sentLog()).containsExactly("C:GRAFT");
        r.onGossip(C, msg(9, "late", 3));
        assertThat(delivered).containsExactly("late");
        scheduler.advance(10_000);
        assertThat(sentLog()).doesNotContain("B:GRAFT", "C:GRAFT");
    }

    @Test
    void messageArrivingBeforeTheTimeoutCancelsTheGraft() {
        GossipRouter r = router(GossipParams.defaults());
        r.onIHave(B, IHave.newBuilder().addIds(ByteString.copyFrom(new byte[] {5})).build());
        r.onGossip(A, msg(5, "in time", 1));
        sentLog();
        scheduler.advance(10_000);
        assertThat(sentLog()).isEmpty();
    }

    @Test
    void graftIsAnsweredFromTheCacheAndMakesThePeerEager() {
        GossipRouter r = router(GossipParams.defaults());
        r.onGossip(A, msg(1, "hi", 1));
        r.onGossip(B, msg(1, "hi", 2)); // B pruned
        sentLog();
        r.onGraft(B, Graft.newBuilder().addIds(ByteString.copyFrom(new byte[] {1})).build());
        assertThat(sentLog()).containsExactly("B:GOSSIP(hops=2)");
        assertThat(r.eagerPeers()).contains(B);
    }

    @Test
    void messageAtTheHopLimitIsDeliveredButNotForwarded() {
        GossipParams p = GossipParams.defaults();
        GossipRouter r = router(p);
        r.onGossip(A, msg(1, "far", p.hopLimit()));
        assertThat(delivered).containsExactly("far");
        assertThat(sentLog()).isEmpty();
    }

    @Test
    void floodingForwardsEverythingAndNeverPrunes() {
        GossipRouter r = router(GossipParams.defaults().withMode(GossipParams.Mode.FLOOD));
        r.onGossip(A, msg(1, "hi", 1));
        r.onGossip(B, msg(1, "hi", 2));
        assertThat(delivered).containsExactly("hi");
        assertThat(sentLog()).containsExactly("B:GOSSIP(hops=2)", "C:GOSSIP(hops=2)");
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B, C);
    }

    @Test
    void publishSendsToEveryPeerAndIgnoresItsOwnEcho() {
        GossipRouter r = router(GossipParams.defaults());
        ByteString id = r.publish(SELF, "me", "chat", ByteString.copyFromUtf8("mine"), 0);
        assertThat(sentLog()).containsExactly("A:GOSSIP(hops=1)", "B:GOSSIP(hops=1)", "C:GOSSIP(hops=1)");
        r.onGossip(A, msg(0, "mine", 2).toBuilder().setId(id).build());
        assertThat(delivered).isEmpty();
    }
}
