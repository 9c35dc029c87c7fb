package io.nexo.tools.bench;

import io.nexo.p2p.gossip.GossipParams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The benchmark engine on a small network: exact delivery counts and the exact cost of flooding. */
class GossipBenchTest {

    private static final int NODES = 8;
    private static final int MESSAGES = 40;

    /** Both runs once for the class: each starts eight TLS nodes and takes a few seconds. */
    private static final List<String> treeProgress = new ArrayList<>();
    private static GossipBench.Result flood;
    private static GossipBench.Result tree;
    private static GossipBench.Result unsigned;

    @BeforeAll
    static void runFloodAndPlumtree() throws Exception {
        flood = run(GossipParams.Mode.FLOOD, new ArrayList<>());
        tree = run(GossipParams.Mode.PLUMTREE, treeProgress);
        unsigned = new GossipBench(new GossipBench.Params(NODES, 4, MESSAGES, 256, 1000, GossipParams.Mode.PLUMTREE,
                0, 20, 3, false, false), line -> { }).run();
    }

    /**
     * Each node checks each message once, the first time it comes: either verifies it or finds it in
     * the memo the nodes share. Every message is verified at least once (by its first receiver).
     */
    @Test
    void everyDeliveryIsCheckedOnceAndSharingSavesMostVerifications() {
        assertThat(tree.verified() + tree.sharedHits()).isEqualTo(tree.delivered());
        assertThat(tree.verified()).isGreaterThanOrEqualTo(MESSAGES).isLessThan(tree.delivered());
        assertThat(tree.verifyNanos()).isPositive();
        assertThat(tree.cpuNanos()).isPositive();
    }

    @Test
    void withSigningOffEveryMessageStillArrivesOnceAndNothingIsVerified() {
        assertThat(unsigned.delivered()).isEqualTo((long) MESSAGES * (NODES - 1));
        assertThat(unsigned.repeatedDeliveries()).isZero();
        assertThat(unsigned.verified()).isZero();
        assertThat(unsigned.sharedHits()).isZero();
    }

    /** Nodes on the shared event loops start no thread of their own and hold well under 10 MiB each. */
    @Test
    void aNodeStartsNoThreadAndCostsLittleMemory() {
        assertThat(tree.nodeThreads()).isEmpty();
        // not asserted positive: the JVM ran other benches before, whose leftovers a full GC may
        // collect only after this run's first measurement
        assertThat(tree.heapPerNode()).isLessThan(10L << 20);
        assertThat(tree.heapPerNodeAfter()).isLessThan(10L << 20);
        assertThat(tree.directPerNode()).isLessThan(10L << 20);
        assertThat(treeProgress).anyMatch(l -> l.startsWith("connected: mean degree") && l.contains("threads of its own: none"));
    }

    @Test
    void shareOverCountsOnlyValuesStrictlyAboveTheBound() {
        long[] sorted = {1, 5, 100, 100, 101, 250, 400, 1000};
        assertThat(SortedLatencies.shareOver(sorted, 100)).isEqualTo(4 / 8.0);
        assertThat(SortedLatencies.shareOver(sorted, 0)).isEqualTo(1.0);
        assertThat(SortedLatencies.shareOver(sorted, 1000)).isZero();
        assertThat(SortedLatencies.shareOver(sorted, 99)).isEqualTo(6 / 8.0);
        assertThat(SortedLatencies.shareOver(new long[0], 100)).isZero();
        assertThat(SortedLatencies.millisAt(sorted, 0.5)).isEqualTo(100 / 1e6); // the 4th of 8
        assertThat(SortedLatencies.millisAt(sorted, 1.0)).isEqualTo(1000 / 1e6); // the slowest
        assertThat(SortedLatencies.millisAt(new long[0], 0.99)).isZero();
    }

    @Test
    void everyLiveNodeButTheOriginGetsEveryMessageExactlyOnce() {
        assertThat(tree.liveNodes()).isEqualTo(NODES);
        assertThat(tree.expected()).isEqualTo((long) MESSAGES * (NODES - 1));
        assertThat(tree.delivered()).isEqualTo(tree.expected());
        assertThat(tree.repeatedDeliveries()).isZero();
        assertThat(tree.deliveryRatio()).isEqualTo(1.0);
        assertThat(tree.p50Millis()).isPositive().isLessThanOrEqualTo(tree.p99Millis());
        assertThat(tree.p99Millis()).isLessThanOrEqualTo(tree.maxMillis());
        assertThat(tree.p90Millis()).isBetween(tree.p50Millis(), tree.p99Millis());
        assertThat(tree.p999Millis()).isBetween(tree.p99Millis(), tree.maxMillis());
        // some deliveries took over 100 ms exactly when the slowest one did
        if (tree.maxMillis() > 100) {
            assertThat(tree.over100MillisShare()).isPositive().isLessThanOrEqualTo(1.0);
        } else {
            assertThat(tree.over100MillisShare()).isZero();
        }
        assertThat(treeProgress).contains("measuring 40 messages of 256 bytes at 1000/s (plumtree)");
    }

    /**
     * Flooding sends each message once over every link in each direction except the link it first
     * arrived by: 2E copies less the (n-1) first arrivals and the origin's nothing-back, so each
     * message costs exactly {@code 2E - 2(n-1)} duplicates, where 2E is the sum of the degrees.
     */
    @Test
    void floodingCostsExactlyOneDuplicatePerLinkDirectionNotOnTheFirstPath() {
        assertThat(flood.delivered()).isEqualTo((long) MESSAGES * (NODES - 1));
        assertThat(flood.repeatedDeliveries()).isZero();
        double sumOfDegrees = flood.meanDegree() * NODES;
        assertThat(flood.duplicatesPerDelivery())
                .isCloseTo((sumOfDegrees - 2.0 * (NODES - 1)) / (NODES - 1), within(1e-9));
        // each of the 8 nodes dials 2 distinct others: between 8 and 16 links
        assertThat(sumOfDegrees).isBetween(16.0, 32.0);
        assertThat(tree.duplicatesPerDelivery()).isLessThan(flood.duplicatesPerDelivery());
    }

    @Test
    void parametersAreValidated() {
        assertThatThrownBy(() -> new GossipBench.Params(10, 10, 1, 1024, 1, GossipParams.Mode.FLOOD, 0, 0, 1))
                .hasMessage("degree: 10 (expected: 2 to nodes-1)");
        assertThatThrownBy(() -> new GossipBench.Params(10, 4, 1, 1024, 1, GossipParams.Mode.FLOOD, 1.0, 0, 1))
                .hasMessage("kill: 1.0 (expected: 0 <= kill < 1)");
        assertThatThrownBy(() -> new GossipBench.Params(10, 4, 1, 1024, 1, GossipParams.Mode.PLUMTREE, 0, 0, 1, 6, true))
                .hasMessage("attackers: 6 (expected: 0 to nodes-degree-1)");
    }

    /**
     * Two of ten nodes attack their neighbours the whole measured run (with a node's default
     * limits): every honest node still gets every message once, the attacks were sent and the nodes
     * cut the attackers' sessions, and each honest node's own memory was sampled.
     */
    @Test
    void underAttackEveryHonestNodeGetsEveryMessageAndTheAttackersAreCutOff() throws Exception {
        GossipBench.Result r = new GossipBench(new GossipBench.Params(10, 4, 60, 256, 20, GossipParams.Mode.PLUMTREE,
                0, 20, 5, 2, true), line -> { }).run();
        assertThat(r.liveNodes()).isEqualTo(8);
        assertThat(r.expected()).isEqualTo(60L * 7);
        assertThat(r.delivered()).isEqualTo(r.expected());
        assertThat(r.repeatedDeliveries()).isZero();
        // 3 s of measuring: each of the 8 sessions sends IHave spam within its first cycle, and the
        // unsigned peer-exchange entries of that cycle cost it the session
        assertThat(r.attacks().attacksSent()).isGreaterThanOrEqualTo(2 * 4);
        assertThat(r.attacks().sessionsLost()).isPositive();
        assertThat(r.memory().nodeMax()).isPositive().isGreaterThanOrEqualTo(r.memory().nodeMedian());
    }

    private static GossipBench.Result run(GossipParams.Mode mode, List<String> progress) throws Exception {
        return new GossipBench(new GossipBench.Params(NODES, 4, MESSAGES, 256, 1000, mode, 0, 20, 3),
                line -> progress.add(line)).run();
    }
}
