package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.Graft;
import io.nexo.p2p.wire.proto.IHave;
import io.nexo.p2p.wire.proto.Prune;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class GossipRouterTest {

    private static final PeerId SELF = NodeIdentity.generate().peerId();
    private static final PeerId A = NodeIdentity.generate().peerId();
    private static final PeerId B = NodeIdentity.generate().peerId();
    private static final PeerId C = NodeIdentity.generate().peerId();

    private record Sent(PeerId to, Envelope env) {
        String describe() {
            String who = to.equals(A) ? "A" : to.equals(B) ? "B" : to.equals(C) ? "C" : "?";
            return who + ":" + env.getBodyCase() + (env.hasGossip() ? "(hops=" + env.getGossip().getHops() + ")" : "")
                    + (env.hasPrune() && env.getPrune().getBackup() ? "(backup)" : "");
        }
    }

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<Sent> sent = new ArrayList<>();
    private final List<String> delivered = new ArrayList<>();

    /** Pure Plumtree (no eager floor), as in the paper. */
    private static final GossipParams PURE = GossipParams.defaults().withEagerFloor(0);

    private GossipRouter router(GossipParams params) {
        return router(params, scheduler::nanoTime);
    }

    /** @param clock the router's clock: ahead of the scheduler's, it sees its timers run late */
    private GossipRouter router(GossipParams params, LongSupplier clock) {
        GossipRouter r = new GossipRouter(params, (to, env) -> sent.add(new Sent(to, env)),
                (g, from) -> delivered.add(g.getPayload().toStringUtf8()), scheduler, new Random(1), clock);
        for (PeerId p : List.of(A, B, C)) {
            r.peerUp(p);
            if (!r.eagerPeers().contains(p)) {
                r.onGraft(p, Graft.getDefaultInstance()); // past a floor below 3 a newcomer is lazy: it asks to be eager
            }
        }
        return r;
    }

    private static Gossip msg(int id, String text, int hops) {
        return Gossip.newBuilder().setId(id16(id)).setOriginId(A.value())
                .setTopic("chat").setPayload(ByteString.copyFromUtf8(text)).setHops(hops).build();
    }

    private List<String> sentLog() {
        List<String> s = sent.stream().map(Sent::describe).toList();
        sent.clear();
        return s;
    }

    @Test
    void newMessageIsDeliveredOnceAndPushedToEveryOtherEagerPeer() {
        GossipRouter r = router(PURE);
        r.onGossip(A, msg(1, "hi", 1));
        assertThat(delivered).containsExactly("hi");
        assertThat(sentLog()).containsExactly("B:GOSSIP(hops=2)", "C:GOSSIP(hops=2)");
    }

    @Test
    void duplicateIsNotDeliveredAndItsSenderIsPrunedToLazy() {
        GossipRouter r = router(PURE);
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

    /** B lazy (pruned by a duplicate it pushed), A and C eager; the log cleared. */
    private GossipRouter routerWithBLazy() {
        GossipRouter r = router(PURE);
        r.onGossip(A, msg(1, "hi", 1));
        r.onGossip(B, msg(1, "hi", 2));
        sentLog();
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, C);
        return r;
    }

    private List<ByteString> ihaveIdsSentTo(PeerId peer) {
        List<ByteString> ids = sent.stream().filter(s -> s.to().equals(peer) && s.env().hasIhave())
                .flatMap(s -> s.env().getIhave().getIdsList().stream()).toList();
        sent.clear();
        return ids;
    }

    @Test
    void aLazyPeerThatAnnouncesAnIdBeforeTheBatchGoesIsNotToldOfIt() {
        GossipRouter r = routerWithBLazy();
        r.onGossip(A, msg(2, "two", 1));
        r.onGossip(A, msg(3, "three", 1));
        r.onIHave(B, IHave.newBuilder().addIds(id16(2)).build()); // B holds 2 already
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(ihaveIdsSentTo(B)).containsExactly(id16(3));
        assertThat(r.stats().ihaveSkipped()).isEqualTo(1);
        assertThat(r.stats().ihaveFrames()).isEqualTo(1);

        // every id of a batch announced back: no frame at all
        r.onGossip(A, msg(4, "four", 1));
        r.onIHave(B, IHave.newBuilder().addIds(id16(4)).build());
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(ihaveIdsSentTo(B)).isEmpty();
        assertThat(r.stats().ihaveSkipped()).isEqualTo(2);
        assertThat(r.stats().ihaveFrames()).isEqualTo(1);
    }

    @Test
    void aLazyPeerThatAnnouncedAnIdBeforeItArrivedIsNotToldOfIt() {
        GossipRouter r = routerWithBLazy();
        r.onIHave(B, IHave.newBuilder().addIds(id16(2)).build()); // missing here: tracked, B holds it
        r.onGossip(A, msg(2, "two", 1)); // the tree brings it before the graft wait
        r.onGossip(A, msg(3, "three", 1));
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(ihaveIdsSentTo(B)).containsExactly(id16(3));
        assertThat(r.stats().ihaveSkipped()).isEqualTo(1);
        assertThat(r.stats().grafts()).isZero();
    }

    @Test
    void aLazyPeerThatPushesACopyBeforeTheBatchGoesIsNotToldOfIt() {
        GossipRouter r = routerWithBLazy();
        r.onGossip(A, msg(2, "two", 1));
        sentLog();
        r.onGossip(B, msg(2, "two", 2)); // B still pushes (it has not seen the Prune): a duplicate
        assertThat(sentLog()).containsExactly("B:PRUNE");
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(ihaveIdsSentTo(B)).isEmpty();
        assertThat(r.stats().ihaveSkipped()).isEqualTo(1);
    }

    @Test
    void theEagerFloorStopsPruningAndGraftsBackUpToIt() {
        GossipRouter r = router(GossipParams.defaults().withEagerFloor(2));
        r.onGossip(A, msg(1, "one", 1));
        r.onGossip(B, msg(1, "one", 2)); // 3 eager > floor 2: B pruned
        assertThat(sentLog()).endsWith("B:PRUNE");
        r.onGossip(C, msg(1, "one", 2)); // 2 eager = floor: C kept
        assertThat(sentLog()).isEmpty();
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, C);
        r.onPrune(C); // C leaves the tree on its own
        r.heartbeat();
        assertThat(sentLog()).containsExactly("B:GRAFT");
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B);
    }

    @Test
    void anEagerPeerThatBringsNothingWhileOthersDoIsPrunedAndGraftedBackOnlyLast() {
        GossipRouter r = router(GossipParams.defaults()); // floor 3: A, B and C all stay eager on duplicates
        for (int i = 0; i < PeerLinks.SILENT_LIMIT - 1; i++) {
            // A and B each bring half of the messages first and a copy of the other half; C never sends anything
            Gossip m = msg(i, "m" + i, 1);
            r.onGossip(i % 2 == 0 ? A : B, m);
            r.onGossip(i % 2 == 0 ? B : A, m.toBuilder().setHops(2).build());
        }
        sentLog();
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B, C);
        r.onGossip(A, msg(-1, "last", 1));
        // C stayed silent for SILENT_LIMIT messages that others brought: pruned; B brought some first: kept
        assertThat(sentLog()).containsExactly("C:PRUNE", "B:GOSSIP(hops=2)");
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B);
        // below the floor, the heartbeat grafts a lazy peer back; C is the only one, so C it is
        r.heartbeat();
        assertThat(sentLog()).containsExactly("C:GRAFT");
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B, C);
    }

    /**
     * A peer that sends back each message this node pushed to it (a replay: a second copy) while it
     * passes nothing on has not been heard from: only a first copy counts, so it is pruned all the
     * same (it stays eager at the floor otherwise, since a duplicate prunes only above the floor).
     */
    @Test
    void anEagerPeerThatOnlyEchoesWhatItWasSentIsStillPrunedAsSilent() {
        GossipRouter r = router(GossipParams.defaults());
        for (int i = 0; i < PeerLinks.SILENT_LIMIT; i++) {
            Gossip m = msg(i, "m" + i, 1);
            r.onGossip(i % 2 == 0 ? A : B, m); // A and B take turns bringing messages first
            r.onGossip(i % 2 == 0 ? B : A, m.toBuilder().setHops(2).build());
            r.onGossip(C, m.toBuilder().setHops(2).build()); // C echoes the copy this node pushed to it
        }
        assertThat(sentLog()).contains("C:PRUNE").doesNotContain("B:PRUNE", "A:PRUNE");
        assertThat(r.eagerPeers()).doesNotContain(C);
        // a first copy from C would have counted: grafted back, it brings one, and it is heard from
        r.heartbeat();
        r.onGossip(C, msg(-2, "new", 1));
        assertThat(r.eagerPeers()).contains(C);
    }

    /**
     * An announcer is taken into the tree when it brings what was grafted, not when it is asked: a
     * peer announcing ids nobody has is grafted and never answers, and must not become eager (and
     * hold a place in the floor) by it.
     */
    @Test
    void aGraftedAnnouncerBecomesEagerOnlyWhenItBringsTheMessage() {
        GossipRouter r = router(PURE);
        r.onGossip(A, msg(1, "hi", 1));
        r.onGossip(B, msg(1, "hi", 2)); // B pruned: lazy
        sentLog();
        ByteString junk = id16(42);
        r.onIHave(B, IHave.newBuilder().addIds(junk).build());
        scheduler.advance(GossipParams.defaults().graftTimeout().toMillis());
        assertThat(sentLog()).containsExactly("B:GRAFT");
        assertThat(r.eagerPeers()).doesNotContain(B);
        scheduler.advance(GossipParams.defaults().graftRetry().toMillis());
        assertThat(r.eagerPeers()).doesNotContain(B);
        // an announcer that answers the Graft brings a first copy: that makes it eager
        ByteString real = id16(43);
        r.onIHave(B, IHave.newBuilder().addIds(real).build());
        scheduler.advance(GossipParams.defaults().graftTimeout().toMillis());
        assertThat(sentLog()).containsExactly("B:GRAFT");
        r.onGossip(B, msg(43, "grafted", 3));
        assertThat(delivered).containsExactly("hi", "grafted");
        assertThat(r.eagerPeers()).contains(B);
    }

    /**
     * Below the eager floor a new neighbour is eager, as in Plumtree; at the floor it starts lazy (it
     * hears ids), so a peer that reconnects again and again cannot push honest links out of the floor.
     */
    @Test
    void aNewNeighbourStartsLazyOnceTheEagerFloorIsHeld() {
        PeerId d = NodeIdentity.generate().peerId();
        GossipRouter r = router(GossipParams.defaults()); // A, B, C: the floor of 3
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B, C);
        r.peerUp(d);
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B, C);
        r.onGossip(A, msg(1, "hi", 1));
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(sent).filteredOn(x -> x.to().equals(d)).extracting(x -> x.env().getBodyCase())
                .containsExactly(Envelope.BodyCase.IHAVE);
        // below the floor again, a newcomer is eager
        r.peerDown(C);
        PeerId e = NodeIdentity.generate().peerId();
        r.peerUp(e);
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, B, e);
        // pure Plumtree (no floor) keeps the paper's rule: every new neighbour is eager
        GossipRouter pure = router(PURE);
        pure.peerUp(d);
        assertThat(pure.eagerPeers()).containsExactlyInAnyOrder(A, B, C, d);
    }

    /** Backup links on, floor 2: of A, B, C one may be pruned outright, the next only softly. */
    private static final GossipParams BACKUPS = GossipParams.defaults().withEagerFloor(2)
            .withBackupWait(Duration.ofMillis(20));

    @Test
    void withBackupsADuplicateAtTheFloorPrunesSoftlyAndTheBackupStillCountsTowardsIt() {
        GossipRouter r = router(BACKUPS);
        r.onGossip(A, msg(1, "one", 1));
        sentLog();
        r.onGossip(B, msg(1, "one", 2)); // eager A, B, C: 3 > floor 2, B pruned outright
        assertThat(sentLog()).containsExactly("B:PRUNE");
        r.onGossip(C, msg(1, "one", 2)); // eager A, C: at the floor, C pruned softly (without backups: kept)
        assertThat(sentLog()).containsExactly("C:PRUNE(backup)");
        assertThat(r.eagerPeers()).containsExactly(A);
        r.heartbeat(); // A eager + C backup = floor 2: nothing to graft
        assertThat(sentLog()).isEmpty();
        // C pushed again before it heard: pruned softly again, still a backup
        r.onGossip(C, msg(1, "one", 3));
        assertThat(sentLog()).containsExactly("C:PRUNE(backup)");
        r.peerDown(A); // A disconnects: C alone counts, the heartbeat grafts B (not C, already counted)
        r.heartbeat();
        assertThat(sentLog()).containsExactly("B:GRAFT");
        assertThat(r.eagerPeers()).containsExactly(B);
    }

    /** With {@link #BACKUPS}: A eager, C a backup (pruned softly at the floor), B plain lazy; nothing sent yet. */
    private GossipRouter routerWithBackupC() {
        return routerWithBackupC(scheduler::nanoTime);
    }

    private GossipRouter routerWithBackupC(LongSupplier clock) {
        GossipRouter r = router(BACKUPS, clock);
        r.onGossip(A, msg(1, "one", 1));
        r.onGossip(B, msg(1, "one", 2));
        r.onGossip(C, msg(1, "one", 2));
        sentLog();
        return r;
    }

    @Test
    void anIdAnnouncedByABackupIsGraftedAfterTheBackupWaitOthersAfterTheGraftTimeout() {
        GossipRouter r = routerWithBackupC();
        r.onIHave(C, IHave.newBuilder().addIds(id16(7)).build());
        r.onIHave(B, IHave.newBuilder().addIds(id16(8)).build());
        scheduler.advance(19);
        assertThat(sentLog()).isEmpty();
        scheduler.advance(1);
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).env().getGraft().getIdsList()).containsExactly(id16(7));
        assertThat(sentLog()).containsExactly("C:GRAFT");
        assertThat(r.eagerPeers()).containsExactly(A); // C joins the tree when it brings the message
        scheduler.advance(GossipParams.defaults().graftTimeout().toMillis() - 20);
        assertThat(sentLog()).containsExactly("B:GRAFT");
        r.onGossip(C, msg(7, "seven", 2));
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, C);
    }

    /**
     * A lazy peer's batched IHave came first and set the 400 ms graft wait; the backup's own
     * announcement then shortens it to the backup wait and puts the backup first in line. Without
     * that, such a message waited for the graft timeout although a backup had it (at 100 nodes and
     * 100 messages/s, backups gave p99 408 ms in GossipSimulation, 12.6 ms with it).
     */
    @Test
    void aBackupsAnnouncementAfterALazyPeersIsGraftedAfterTheBackupWaitAndFirst() {
        GossipRouter r = routerWithBackupC();
        ByteString nine = id16(9);
        r.onIHave(B, IHave.newBuilder().addIds(nine).build());
        scheduler.advance(5);
        r.onIHave(C, IHave.newBuilder().addIds(nine).build());
        scheduler.advance(19);
        assertThat(sentLog()).isEmpty();
        scheduler.advance(1);
        assertThat(sentLog()).containsExactly("C:GRAFT");
    }

    /**
     * The node's thread falls behind: its heartbeat's probe timer runs later than half the backup
     * wait, four times in a row (a moving share of 0.34 > 0.3). It then keeps its eager floor as a
     * node without backups does, for 30 s: a backup's announcement waits the graft timeout, the
     * heartbeat grafts the backup into the tree, and a duplicate at the floor prunes nothing.
     */
    @Test
    void whenItsTimersRunLateANodeFallsBackFromBackupsToTheEagerFloorForAHold() {
        long[] ahead = {0};
        GossipRouter r = routerWithBackupC(() -> scheduler.nanoTime() + ahead[0]);
        long probe = TimeUnit.NANOSECONDS.toMillis(GossipRouter.LOAD_PROBE_NANOS);
        for (int i = 0; i < 4; i++) {
            r.heartbeat(); // A eager + C backup = floor 2: nothing to graft, backups in use
            assertThat(sentLog()).isEmpty();
            ahead[0] += TimeUnit.MILLISECONDS.toNanos(11); // the probe runs 11 ms late: over 20 / 2
            scheduler.advance(probe);
        }
        // falling back: C's announcement waits the graft timeout, not the backup wait
        r.onIHave(C, IHave.newBuilder().addIds(id16(7)).build());
        scheduler.advance(20);
        assertThat(sentLog()).isEmpty();
        scheduler.advance(GossipParams.defaults().graftTimeout().toMillis() - 20);
        assertThat(sentLog()).containsExactly("C:GRAFT");
        r.onGossip(C, msg(7, "seven", 2)); // C brings it: in the tree
        sentLog();
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, C);
        r.onGossip(A, msg(8, "eight", 1));
        sentLog();
        r.onGossip(C, msg(8, "eight", 2)); // a duplicate at the floor of 2 eager links: kept
        assertThat(sentLog()).isEmpty();
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, C);
        // the hold ends 30 s after the trip: backups again, the same duplicate prunes softly
        scheduler.advance(TimeUnit.SECONDS.toMillis(30));
        sentLog();
        r.onGossip(C, msg(8, "eight", 2));
        assertThat(sentLog()).containsExactly("C:PRUNE(backup)");
    }

    @Test
    void aNodeWithBackupsWhoseTimersRunOnTimeKeepsThem() {
        GossipRouter r = routerWithBackupC();
        for (int i = 0; i < 50; i++) {
            r.heartbeat();
            scheduler.advance(1000);
        }
        assertThat(sentLog()).isEmpty(); // A eager + C backup hold the floor; C never grafted
        r.onIHave(C, IHave.newBuilder().addIds(id16(7)).build());
        scheduler.advance(20);
        assertThat(sentLog()).containsExactly("C:GRAFT"); // after the backup wait
    }

    @Test
    void aPeerThatKeepsThisLinkAsItsBackupHearsOfNewIdsAtOnce() {
        GossipRouter r = router(PURE); // honoured whatever this node's own setting
        r.onPrune(A, Prune.newBuilder().setBackup(true).build());
        r.onPrune(B, Prune.getDefaultInstance());
        r.publish(SELF, "me", "chat", ByteString.copyFromUtf8("x"), 0);
        assertThat(sentLog()).containsExactly("C:GOSSIP(hops=1)", "A:IHAVE");
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(sentLog()).containsExactly("B:IHAVE");
        // A takes the link back into its tree: whole messages again, no more announcements
        r.onGraft(A, Graft.getDefaultInstance());
        r.publish(SELF, "me", "chat", ByteString.copyFromUtf8("y"), 0);
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        assertThat(sentLog()).containsExactly("C:GOSSIP(hops=1)", "A:GOSSIP(hops=1)", "B:IHAVE");
    }

    @Test
    void aDuplicateFromALazyPeerIsPrunedAgain() {
        GossipRouter r = router(PURE);
        r.onGossip(A, msg(1, "one", 1));
        r.onGossip(B, msg(1, "one", 2)); // B pruned
        sentLog();
        // B still pushed a whole copy, so on its side the link is eager: tell it again
        r.onGossip(B, msg(1, "one", 2));
        assertThat(sentLog()).containsExactly("B:PRUNE");
        assertThat(r.eagerPeers()).containsExactlyInAnyOrder(A, C);
    }

    @Test
    void missingMessageAnnouncedByIHaveIsGraftedAfterTheTimeout() {
        GossipRouter r = router(PURE);
        ByteString id = id16(9);
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
    void graftWaitGrowsWhenTheTreeRunsLateAndNeverPastTheCap() {
        GossipParams p = PURE;
        GossipRouter r = router(p);
        assertThat(r.graftWaitNanos()).isEqualTo(p.graftTimeout().toNanos());
        // ten messages announced lazily that each came through the tree 300 ms later
        for (int i = 10; i < 20; i++) {
            r.onIHave(B, IHave.newBuilder().addIds(id16(i)).build());
            scheduler.advance(300);
            r.onGossip(A, msg(i, "m" + i, 1));
        }
        // the moving average is 300 ms: twice that beats the 400 ms default
        assertThat(r.graftWaitNanos()).isEqualTo(600_000_000L);
        assertThat(r.stats().grafts()).isZero();
        // later and later, each just inside the current wait: the wait follows, up to its cap
        for (int i = 20; i < 100; i++) {
            r.onIHave(B, IHave.newBuilder().addIds(id16(i)).build());
            scheduler.advance(r.graftWaitNanos() / 1_000_000 - 1);
            r.onGossip(A, msg(i, "m" + i, 1));
        }
        assertThat(r.graftWaitNanos()).isEqualTo(3_000_000_000L);
        assertThat(r.stats().grafts()).isZero();
    }

    @Test
    void messageArrivingBeforeTheTimeoutCancelsTheGraft() {
        GossipRouter r = router(PURE);
        r.onIHave(B, IHave.newBuilder().addIds(id16(5)).build());
        r.onGossip(A, msg(5, "in time", 1));
        sentLog();
        scheduler.advance(10_000);
        assertThat(sentLog()).isEmpty();
    }

    @Test
    void graftIsAnsweredFromTheCacheAndMakesThePeerEager() {
        GossipRouter r = router(PURE);
        r.onGossip(A, msg(1, "hi", 1));
        r.onGossip(B, msg(1, "hi", 2)); // B pruned
        sentLog();
        r.onGraft(B, Graft.newBuilder().addIds(id16(1)).build());
        // the cache keeps the message serialized: what goes out is the copy that came in, one hop on
        assertThat(sent.get(0).env().getGossip()).isEqualTo(msg(1, "hi", 2));
        assertThat(sentLog()).containsExactly("B:GOSSIP(hops=2)");
        assertThat(r.eagerPeers()).contains(B);
    }

    /** The wire validator admits only 16-byte ids; the router holds to that without it. */
    @Test
    void idsOfAnyOtherLengthAreNeitherDeliveredNorRemembered() {
        GossipRouter r = router(PURE);
        for (int length : new int[] {0, 1, 15, 17, 32}) {
            Gossip odd = msg(1, "odd", 1).toBuilder().setId(ByteString.copyFrom(new byte[length])).build();
            r.onGossip(A, odd);
            r.onIHave(B, IHave.newBuilder().addIds(odd.getId()).build());
            r.onGraft(C, Graft.newBuilder().addIds(odd.getId()).build());
        }
        assertThat(r.stats().rejected()).isEqualTo(5);
        assertThat(r.stats().delivered()).isZero();
        assertThat(sentLog()).isEmpty();
        assertThat(scheduler.pending()).isZero(); // no Graft timer for an id this node could never hold
        Gossip local = Gossip.newBuilder().setId(ByteString.copyFromUtf8("short")).setOriginId(SELF.value()).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.publish(local))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 bytes");
    }

    @Test
    void messageAtTheHopLimitIsDeliveredButNotForwarded() {
        GossipParams p = PURE;
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
        GossipRouter r = router(PURE);
        ByteString id = r.publish(SELF, "me", "chat", ByteString.copyFromUtf8("mine"), 0);
        assertThat(sentLog()).containsExactly("A:GOSSIP(hops=1)", "B:GOSSIP(hops=1)", "C:GOSSIP(hops=1)");
        r.onGossip(A, msg(0, "mine", 2).toBuilder().setId(id).build());
        assertThat(delivered).isEmpty();
    }

    // ---------------------------------------------------------------- bounds (issue 11)

    private GossipRouter router(GossipParams params, int maxFrameBytes) {
        GossipRouter r = new GossipRouter(params, (to, env) -> sent.add(new Sent(to, env)),
                (g, from) -> delivered.add(g.getPayload().toStringUtf8()), scheduler, new Random(1),
                scheduler::nanoTime, maxFrameBytes);
        for (PeerId p : List.of(A, B, C)) {
            r.peerUp(p);
            if (!r.eagerPeers().contains(p)) {
                r.onGraft(p, Graft.getDefaultInstance()); // past a floor below 3 a newcomer is lazy: it asks to be eager
            }
        }
        return r;
    }

    /** A router whose validator is the real signature check, on the test's manual clock. */
    private GossipRouter signedRouter(List<GossipVerifier.Reason> refusals) {
        long t0 = 1_700_000_000_000L;
        GossipVerifier v = new GossipVerifier(VerifyParams.defaults(),
                () -> t0 + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(scheduler.nanoTime()));
        GossipRouter r = new GossipRouter(PURE, (to, env) -> sent.add(new Sent(to, env)),
                (g, from) -> delivered.add(g.getPayload().toStringUtf8()), (g, from) -> {
                    GossipVerifier.Reason reason = v.check(g);
                    if (reason != null) {
                        refusals.add(reason);
                    }
                    return reason == null;
                }, scheduler, new Random(1), scheduler::nanoTime);
        for (PeerId p : List.of(A, B, C)) {
            r.peerUp(p);
            if (!r.eagerPeers().contains(p)) {
                r.onGraft(p, Graft.getDefaultInstance()); // past a floor below 3 a newcomer is lazy: it asks to be eager
            }
        }
        return r;
    }

    private static ByteString id16(int n) {
        return ByteString.copyFrom(java.nio.ByteBuffer.allocate(16).putInt(12, n).array());
    }

    private static IHave ihave(int from, int count) {
        IHave.Builder b = IHave.newBuilder();
        for (int i = from; i < from + count; i++) {
            b.addIds(id16(i));
        }
        return b.build();
    }

    @Test
    void anIHaveFloodTracksAtMostTheCapPerPeerAndInTotal() {
        GossipRouter r = router(PURE.withMaxMissing(48, 16), Integer.MAX_VALUE);
        r.onIHave(A, ihave(0, 512));
        r.onIHave(B, ihave(1000, 512));
        r.onIHave(C, ihave(2000, 512));
        r.onIHave(A, ihave(3000, 512));
        assertThat(r.stats().ihaveIgnored()).isEqualTo(4 * 512 - 48);
        assertThat(scheduler.pending()).as("one graft timer per tracked id").isEqualTo(48);
        // the ids that never come are grafted once per announcer, then forgotten: the cap frees up
        scheduler.advance(10_000);
        assertThat(sentLog().stream().filter(x -> x.endsWith("GRAFT")).count()).isEqualTo(48);
        assertThat(scheduler.pending()).isZero();
        r.onIHave(A, ihave(4000, 16));
        assertThat(scheduler.pending()).isEqualTo(16);
    }

    @Test
    void theMessageCacheIsBoundedInBytes() {
        GossipRouter r = router(PURE.withCacheBytes(1 << 20), Integer.MAX_VALUE);
        byte[] big = new byte[300 * 1024];
        for (int i = 0; i < 10; i++) {
            r.onGossip(A, msg(i, "", 0).toBuilder().setId(id16(i)).setPayload(ByteString.copyFrom(big)).build());
        }
        assertThat(r.stats().cachedBytes()).isBetween(3L * 300 * 1024, 1L << 20);
        sentLog();
        r.onGraft(B, Graft.newBuilder().addIds(id16(0)).addIds(id16(9)).build());
        assertThat(sentLog()).as("the oldest was evicted, the newest answered").containsExactly("B:GOSSIP(hops=1)");
    }

    @Test
    void aLocalMessageThatWouldOutgrowTheFrameOnceRelayedIsRefused() {
        int limit = 4096;
        GossipRouter r = router(PURE, limit);
        int payload = limit;
        while (true) {
            try {
                r.publish(SELF, "me", "chat", ByteString.copyFrom(new byte[payload]), 0);
                break;
            } catch (GossipRouter.MessageTooLargeException e) {
                assertThat(e.getMessage()).contains("over the limit of " + limit);
                payload--;
            }
        }
        // the largest accepted message, relayed with hops at the hop limit, still fits
        Gossip g = Gossip.newBuilder().setId(id16(0)).setOriginId(SELF.value()).setOriginName("me").setTopic("chat")
                .setPayload(ByteString.copyFrom(new byte[payload])).setOriginTimeMillis(0).build();
        assertThat(r.relayedFrameBytes(g)).isLessThanOrEqualTo(limit);
        assertThat(r.relayedFrameBytes(g.toBuilder().setPayload(ByteString.copyFrom(new byte[payload + 1])).build()))
                .isGreaterThan(limit);
    }

    @Test
    void lazyAnnouncementsAreCutIntoFramesAndCappedPerPeer() {
        int limit = 2048; // (2048 - 32) / 18 = 112 ids per IHave, 448 pending at most
        GossipRouter r = router(PURE, limit);
        r.onPrune(A);
        for (int i = 0; i < 1000; i++) {
            r.publish(SELF, "me", "chat", ByteString.copyFromUtf8("m" + i), 0);
        }
        sent.clear();
        scheduler.advance(GossipParams.defaults().ihaveInterval().toMillis());
        List<IHave> toA = sent.stream().filter(x -> x.to().equals(A) && x.env().hasIhave()).map(x -> x.env().getIhave()).toList();
        assertThat(toA).hasSize(4).allMatch(i -> i.getIdsCount() == 112);
        assertThat(sent.stream().filter(x -> x.env().hasIhave())
                .allMatch(x -> 1 + x.env().getSerializedSize() <= limit)).isTrue();
        assertThat(r.stats().ihaveDropped()).isEqualTo(1000 - 448);
    }

    private static Gossip signed(NodeIdentity origin, long seqno, String text) {
        return SignedGossip.sign(origin, "origin", seqno, 1_700_000_000_000L, "chat", ByteString.copyFromUtf8(text))
                .toBuilder().setHops(1).build();
    }

    @Test
    void aTamperedCopyUnderTheGenuineIdIsRefusedAndTheGenuineOneStillDelivered() {
        List<GossipVerifier.Reason> refusals = new ArrayList<>();
        GossipRouter r = signedRouter(refusals);
        NodeIdentity origin = NodeIdentity.generate();
        Gossip genuine = signed(origin, 1, "pay bob");
        r.onGossip(A, genuine.toBuilder().setPayload(ByteString.copyFromUtf8("pay eve")).build());
        assertThat(delivered).isEmpty();
        assertThat(sentLog()).isEmpty(); // neither forwarded nor answered with a Prune
        r.onGossip(B, genuine);
        assertThat(delivered).containsExactly("pay bob");
        assertThat(sentLog()).containsExactly("A:GOSSIP(hops=2)", "C:GOSSIP(hops=2)");
        assertThat(refusals).containsExactly(GossipVerifier.Reason.BAD_SIGNATURE);
        assertThat(r.stats().rejected()).isEqualTo(1);
    }

    @Test
    void aReplayAfterTheSeenCacheForgotTheIdIsRefused() {
        List<GossipVerifier.Reason> refusals = new ArrayList<>();
        GossipRouter r = signedRouter(refusals);
        GossipRouter unguarded = router(PURE);
        Gossip genuine = signed(NodeIdentity.generate(), 7, "once");
        r.onGossip(A, genuine);
        unguarded.onGossip(A, genuine);
        assertThat(delivered).containsExactly("once", "once");
        scheduler.advance(GossipParams.defaults().seenTtl().toMillis() + 1_000);
        sentLog();

        r.onGossip(B, genuine);
        assertThat(delivered).hasSize(2);
        assertThat(sentLog()).isEmpty();
        assertThat(refusals).containsExactly(GossipVerifier.Reason.REPLAY);
        // the seen-cache alone has forgotten it: without the signature check the replay goes through
        unguarded.onGossip(B, genuine);
        assertThat(delivered).containsExactly("once", "once", "once");
    }
}
