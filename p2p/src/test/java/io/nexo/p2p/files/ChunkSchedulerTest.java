package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChunkSchedulerTest {

    private final AtomicLong clock = new AtomicLong();

    private static BitSet chunks(int... indexes) {
        BitSet b = new BitSet();
        for (int i : indexes) {
            b.set(i);
        }
        return b;
    }

    private static BitSet all(int n) {
        BitSet b = new BitSet();
        b.set(0, n);
        return b;
    }

    private ChunkScheduler<String> scheduler(int chunks, int inFlight, int endgameCopies, long seed) {
        return new ChunkScheduler<>(chunks, new BitSet(),
                new SchedulerConfig(inFlight, endgameCopies, Duration.ofSeconds(10), 2), clock::get, new Random(seed));
    }

    private static ChunkScheduler.Request<String> req(String peer, int chunk) {
        return new ChunkScheduler.Request<>(peer, chunk);
    }

    @Test
    void asksEachPeerForItsRarestChunk() {
        // the class comment's example: availability 3,2,1,1
        for (long seed = 0; seed < 20; seed++) {
            ChunkScheduler<String> s = scheduler(4, 1, 1, seed);
            s.addPeer("A", chunks(0, 1, 2, 3));
            s.addPeer("B", chunks(0, 1));
            s.addPeer("C", chunks(0));

            List<ChunkScheduler.Request<String>> got = s.schedule();

            Map<String, Integer> byPeer = new HashMap<>();
            got.forEach(r -> byPeer.put(r.peer(), r.chunk()));
            assertThat(byPeer.get("A")).isIn(2, 3);
            assertThat(byPeer.get("C")).isEqualTo(0);
            // B holds 0 (availability 3) and 1 (availability 2): 1 is rarer
            assertThat(byPeer.get("B")).isEqualTo(1);
        }
    }

    @Test
    void tiesAreBrokenAtRandomSoPeersSpreadOverTheFile() {
        Map<Integer, Integer> firstPick = new HashMap<>();
        Random random = new Random(2024); // one generator: consecutive small seeds give correlated first draws
        for (int run = 0; run < 200; run++) {
            ChunkScheduler<String> s = new ChunkScheduler<>(8, new BitSet(), SchedulerConfig.DEFAULTS, clock::get, random);
            s.addPeer("A", all(8));
            firstPick.merge(s.schedule().get(0).chunk(), 1, Integer::sum);
        }
        assertThat(firstPick.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(firstPick.values()).allSatisfy(n -> assertThat(n).isBetween(10, 45));
    }

    @Test
    void sameSeedSameDecisions() {
        ChunkScheduler<String> a = scheduler(50, 3, 2, 42);
        ChunkScheduler<String> b = scheduler(50, 3, 2, 42);
        for (ChunkScheduler<String> s : List.of(a, b)) {
            s.addPeer("x", all(50));
            s.addPeer("y", all(50));
        }
        assertThat(a.schedule()).isEqualTo(b.schedule());
    }

    @Test
    void boundsRequestsInFlightPerPeerAndSpreadsThemOverEveryPeer() {
        ChunkScheduler<String> s = scheduler(100, 4, 2, 1);
        s.addPeer("A", all(100));
        s.addPeer("B", all(100));
        s.addPeer("C", all(100));

        List<ChunkScheduler.Request<String>> first = s.schedule();

        assertThat(first).hasSize(12);
        assertThat(first.stream().map(ChunkScheduler.Request::chunk).distinct()).hasSize(12);
        for (String p : List.of("A", "B", "C")) {
            assertThat(s.inFlight(p)).isEqualTo(4);
        }
        assertThat(s.schedule()).isEmpty(); // nothing free until something arrives

        ChunkScheduler.Request<String> one = first.get(0);
        assertThat(s.onReceived(one.peer(), one.chunk(), true).stored()).isTrue();
        List<ChunkScheduler.Request<String>> next = s.schedule();
        assertThat(next).hasSize(1);
        assertThat(next.get(0).peer()).isEqualTo(one.peer());
    }

    @Test
    void downloadsEverythingAndCountsChunksPerPeer() {
        ChunkScheduler<String> s = scheduler(30, 2, 2, 7);
        s.addPeer("A", all(30));
        s.addPeer("B", all(30));
        s.addPeer("C", all(30));
        int rounds = 0;
        List<ChunkScheduler.Request<String>> pending = new java.util.ArrayList<>(s.schedule());
        while (!s.isComplete() && rounds++ < 1000) {
            ChunkScheduler.Request<String> r = pending.remove(0);
            ChunkScheduler.Arrival<String> a = s.onReceived(r.peer(), r.chunk(), true);
            pending.removeAll(a.cancels());
            pending.addAll(s.schedule());
        }
        assertThat(s.isComplete()).isTrue();
        Map<String, Long> counts = s.receivedByPeer();
        assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(30);
        assertThat(counts).containsOnlyKeys("A", "B", "C");
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(5));
    }

    @Test
    void endgameAsksIdlePeersForChunksInFlightAndCancelsTheLosers() {
        ChunkScheduler<String> s = scheduler(3, 1, 2, 3);
        s.addPeer("slow", all(3));
        List<ChunkScheduler.Request<String>> first = s.schedule();
        assertThat(first).hasSize(1);
        int slowChunk = first.get(0).chunk();
        s.addPeer("fast", all(3));
        s.addPeer("other", all(3));
        List<ChunkScheduler.Request<String>> normal = s.schedule();
        assertThat(normal).extracting(ChunkScheduler.Request::chunk).doesNotContain(slowChunk).hasSize(2);
        assertThat(s.inEndgame()).isTrue();

        // "fast" delivers its chunk, then is idle: the endgame gives it a copy of a chunk in flight elsewhere
        ChunkScheduler.Request<String> fastReq = normal.stream().filter(r -> r.peer().equals("fast")).findFirst().orElseThrow();
        s.onReceived("fast", fastReq.chunk(), true);
        List<ChunkScheduler.Request<String>> dup = s.schedule();
        assertThat(dup).hasSize(1);
        assertThat(dup.get(0).peer()).isEqualTo("fast");
        int dupChunk = dup.get(0).chunk();
        String originalHolder = dupChunk == slowChunk ? "slow" : "other";

        ChunkScheduler.Arrival<String> won = s.onReceived("fast", dupChunk, true);

        assertThat(won.stored()).isTrue();
        assertThat(won.cancels()).containsExactly(req(originalHolder, dupChunk));
        assertThat(s.inFlight(originalHolder)).isZero();
        // the late copy, if it still arrives, is a harmless duplicate
        assertThat(s.onReceived(originalHolder, dupChunk, true).stored()).isFalse();
    }

    @Test
    void endgameCopiesAreBounded() {
        ChunkScheduler<String> s = scheduler(1, 4, 2, 3);
        for (String p : List.of("a", "b", "c", "d")) {
            s.addPeer(p, all(1));
        }
        List<ChunkScheduler.Request<String>> got = s.schedule();
        assertThat(got).extracting(ChunkScheduler.Request::chunk).containsOnly(0);
        assertThat(got).hasSize(2); // one normal request plus one endgame copy
    }

    @Test
    void noEndgameWhileAChunkNobodyIsAskedForCanStillBeFetched() {
        ChunkScheduler<String> s = scheduler(2, 1, 2, 3);
        s.addPeer("A", chunks(0));
        assertThat(s.schedule()).containsExactly(req("A", 0));
        s.addPeer("B", chunks(0, 1));
        assertThat(s.schedule()).containsExactly(req("B", 1)); // B takes the unrequested chunk, not a copy of 0
    }

    @Test
    void aPeerThatSendsABadChunkIsDroppedAndTheChunkFetchedElsewhere() {
        ChunkScheduler<String> s = scheduler(4, 2, 1, 5);
        s.addPeer("evil", all(4));
        List<ChunkScheduler.Request<String>> evilReqs = s.schedule();
        assertThat(evilReqs).hasSize(2);
        s.addPeer("good", all(4));
        s.schedule();

        ChunkScheduler.Arrival<String> bad = s.onReceived("evil", evilReqs.get(0).chunk(), false);

        assertThat(bad.stored()).isFalse();
        assertThat(bad.cancels()).containsExactly(req("evil", evilReqs.get(1).chunk()));
        assertThat(s.isDropped("evil")).isTrue();
        assertThat(s.peers()).containsExactly("good");
        assertThat(s.addPeer("evil", all(4))).isFalse(); // stays out of this download
        assertThat(s.availability(evilReqs.get(0).chunk())).isEqualTo(1);
        // good delivers everything, including the chunk evil botched
        int done = 0;
        for (int round = 0; round < 10 && !s.isComplete(); round++) {
            for (int c = 0; c < 4; c++) {
                if (s.onReceived("good", c, true).stored()) {
                    done++;
                }
            }
            s.schedule();
        }
        assertThat(done).isEqualTo(4);
        assertThat(s.receivedByPeer()).containsOnlyKeys("good");
    }

    @Test
    void requestsOfAVanishedPeerAreReassigned() {
        ChunkScheduler<String> s = scheduler(6, 3, 1, 9);
        s.addPeer("A", all(6));
        s.addPeer("B", all(6));
        List<ChunkScheduler.Request<String>> first = s.schedule();
        List<Integer> aChunks = first.stream().filter(r -> r.peer().equals("A")).map(ChunkScheduler.Request::chunk).toList();
        // B finishes its three
        first.stream().filter(r -> r.peer().equals("B")).forEach(r -> s.onReceived("B", r.chunk(), true));

        List<ChunkScheduler.Request<String>> released = s.removePeer("A");

        assertThat(released).extracting(ChunkScheduler.Request::chunk).containsExactlyInAnyOrderElementsOf(aChunks);
        assertThat(s.schedule()).extracting(ChunkScheduler.Request::chunk).containsExactlyInAnyOrderElementsOf(aChunks);
        assertThat(s.inFlight("B")).isEqualTo(3);
        assertThat(s.addPeer("A", all(6))).isTrue(); // a peer that left may come back
    }

    @Test
    void timedOutRequestsAreReassignedAndAPeerThatKeepsTimingOutIsDropped() {
        ChunkScheduler<String> s = scheduler(4, 1, 1, 11);
        s.addPeer("stuck", all(4));
        ChunkScheduler.Request<String> r1 = s.schedule().get(0);

        clock.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(s.expire()).isEmpty();
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(s.expire()).containsExactly(r1);
        assertThat(s.isDropped("stuck")).isFalse();

        ChunkScheduler.Request<String> r2 = s.schedule().get(0);
        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(s.expire()).containsExactly(r2);
        assertThat(s.isDropped("stuck")).isTrue(); // second timeout: maxTimeouts = 2
        assertThat(s.schedule()).isEmpty();
    }

    @Test
    void aRefusedChunkIsNotAskedFromThatPeerAgain() {
        ChunkScheduler<String> s = scheduler(1, 1, 1, 1);
        s.addPeer("A", all(1));
        s.addPeer("B", all(1));
        ChunkScheduler.Request<String> r = s.schedule().get(0);
        String other = r.peer().equals("A") ? "B" : "A";

        s.onRefused(r.peer(), 0);

        assertThat(s.availability(0)).isEqualTo(1);
        assertThat(s.schedule()).containsExactly(req(other, 0));
    }

    @Test
    void aBusyPeerIsLeftAloneBrieflyButKeepsItsChunks() {
        ChunkScheduler<String> s = scheduler(2, 1, 1, 1);
        s.addPeer("A", all(2));
        ChunkScheduler.Request<String> r = s.schedule().get(0);

        s.onBusy("A", r.chunk());

        assertThat(s.availability(r.chunk())).isEqualTo(1);
        assertThat(s.schedule()).isEmpty(); // backing off
        clock.addAndGet(ChunkScheduler.BUSY_BACKOFF_NANOS);
        assertThat(s.schedule()).hasSize(1).allMatch(q -> q.peer().equals("A"));
    }

    @Test
    void chunksHeldBeforeARestartAreNeverRequested() {
        BitSet held = chunks(0, 1, 2, 5);
        ChunkScheduler<String> s = new ChunkScheduler<>(8, held,
                new SchedulerConfig(4, 1, Duration.ofSeconds(10), 2), clock::get, new Random(1));
        s.addPeer("A", all(8));
        s.addPeer("B", all(8));
        assertThat(s.schedule()).extracting(ChunkScheduler.Request::chunk).containsExactlyInAnyOrder(3, 4, 6, 7);
        assertThat(s.chunksDone()).isEqualTo(4);
    }

    @Test
    void peersLearnedLaterJoinInAndHaveUpdatesCount() {
        ChunkScheduler<String> s = scheduler(3, 1, 1, 1);
        assertThat(s.schedule()).isEmpty();
        s.peerHas("late", 2);
        assertThat(s.availability(2)).isEqualTo(1);
        assertThat(s.schedule()).containsExactly(req("late", 2));
        assertThat(IntStream.range(0, 3).map(s::availability).sum()).isEqualTo(1);
    }
}
