package io.nexo.p2p.soak;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.ConnectionLimits;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.node.RecordingListener;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.testing.AttackHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Churn soak: {@value #NODES} nodes in one JVM (over real loopback TLS), a third of them restarted
 * one after another, with the same identity, for {@code -Dnexo.soak.p2p.churnSeconds} (default 30 s:
 * about 55 restarts, what fits the slow profile's five minutes on 2 shared cores next to the
 * balancer's soak tests and the fuzzing runs; the issue asks for "minutes": run it with 300 for that). Meanwhile the stable nodes broadcast every 2 s.
 *
 * <ul>
 *   <li>every broadcast reaches every stable node exactly once; after the churn, a broadcast reaches
 *       all {@value #NODES} nodes (the restarted ones rejoined by themselves);
 *   <li>no descriptor growth: open descriptors minus open sessions come back to where they were;
 *   <li>no memory growth: the heap retained after a full GC (as the collector left it, see
 *       {@link AttackHarness#retainedHeap()}) grows less than {@value #HEAP_SLACK_MIB} MiB. A node
 *       that stayed reachable after close (TLS context, address book, caches: well over 200 KiB)
 *       times the ~55 restarts would exceed that.
 * </ul>
 */
@Tag("slow")
class ChurnSoakTest {

    private static final Logger log = LoggerFactory.getLogger(ChurnSoakTest.class);

    private static final int NODES = 50;
    private static final int CHURNERS = NODES / 3;
    private static final long CHURN_SECONDS = Long.getLong("nexo.soak.p2p.churnSeconds", 30);
    private static final long RESTART_EVERY_MILLIS = 500;
    private static final long BROADCAST_EVERY_MILLIS = 2_000;
    private static final int HEAP_SLACK_MIB = 16;
    /** Descriptors the JVM may open on its own meanwhile, and dials in flight at the moment of reading. */
    private static final int FD_SLACK = 12;

    private final EventLoopGroup group = Transport.best().newEventLoopGroup(4, "soak-peers");
    private final NodeIdentity[] identities = new NodeIdentity[NODES];
    private final PeerNode[] nodes = new PeerNode[NODES];
    private final RecordingListener[] events = new RecordingListener[NODES];

    @AfterEach
    void close() {
        for (PeerNode n : nodes) {
            if (n != null) {
                n.close();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private void start(int i) {
        PeerNodeConfig config = PeerNodeConfig.of(identities[i], "n" + i, TestNodes.config("x").listen())
                // every node may hold all others: the two seed nodes are dialled by everyone (a real
                // network sizes its seeds for that); the rest keep about 4 outbound each
                .withDiscovery(TestNodes.config("x").discovery().withDegree(4, NODES + 10)
                        .withMaxConnectionsPerIp(NODES * 4))
                .withConnections(ConnectionLimits.defaults().withInbound(NODES + 10, NODES + 10)
                        .withMaxInboundPerSubnet(NODES * 4));
        if (i > 0) {
            // everyone knows the first two nodes, as a real network knows its seed nodes
            List<DialTarget> seeds = new ArrayList<>(List.of(DialTarget.of(nodes[0].listenAddress())));
            if (i > 1) {
                seeds.add(DialTarget.of(nodes[1].listenAddress()));
            }
            config = config.withBootstrap(seeds);
        }
        events[i] = new RecordingListener();
        nodes[i] = new PeerNode(config, events[i], Clock.systemUTC(), new SecureRandom(), group);
        nodes[i].start();
    }

    private int sessions() {
        int n = 0;
        for (PeerNode node : nodes) {
            n += node.peers().size();
        }
        return n;
    }

    private long received(int i, String text) {
        return events[i].messages().stream().map(PeerEvent.MessageReceived::text).filter(text::equals).count();
    }

    @Test
    void broadcastsReachEveryLiveNodeWhileAThirdKeepRestarting() throws Exception {
        for (int i = 0; i < NODES; i++) {
            identities[i] = NodeIdentity.generate();
            start(i);
        }
        String warmup = "warm-up";
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (int i = 0; i < NODES; i++) {
                if (nodes[i].peers().isEmpty()) {
                    return false;
                }
            }
            return true;
        });
        nodes[0].broadcast(warmup);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = 1; i < NODES; i++) {
                if (received(i, warmup) != 1) {
                    return false;
                }
            }
            return true;
        });
        long heapBefore = AttackHarness.retainedHeap();
        long fdsMinusSessionsBefore = openFds() - sessions();

        SplittableRandom random = new SplittableRandom(42);
        List<String> broadcasts = new ArrayList<>();
        List<Integer> origins = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(CHURN_SECONDS);
        long nextBroadcast = start;
        int restarts = 0;
        while (System.nanoTime() < end) {
            int victim = NODES - CHURNERS + restarts % CHURNERS;
            nodes[victim].close();
            start(victim);
            restarts++;
            if (System.nanoTime() >= nextBroadcast) {
                String text = "m" + broadcasts.size();
                int origin = random.nextInt(NODES - CHURNERS);
                nodes[origin].broadcast(text);
                broadcasts.add(text);
                origins.add(origin);
                nextBroadcast += TimeUnit.MILLISECONDS.toNanos(BROADCAST_EVERY_MILLIS);
            }
            TimeUnit.MILLISECONDS.sleep(RESTART_EVERY_MILLIS); // the churn's pace, not synchronisation
        }
        log.warn("p2p churn: {} restarts, {} broadcasts in {} s", restarts, broadcasts.size(), CHURN_SECONDS);

        // every stable node (but the origin) got every broadcast, exactly once
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < NODES - CHURNERS; i++) {
                for (int m = 0; m < broadcasts.size(); m++) {
                    String text = broadcasts.get(m);
                    long copies = received(i, text);
                    if (origins.get(m) != i && copies != 1) { // the origin does not receive its own
                        wrong.add(text + "@n" + i + "=" + copies);
                    }
                }
            }
            assertThat(wrong).as("broadcast@node=copies, of %s from %s", broadcasts, origins).isEmpty();
        });
        // the restarted nodes rejoined: a broadcast now reaches all of them
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = 0; i < NODES; i++) {
                if (nodes[i].peers().isEmpty()) {
                    return false;
                }
            }
            return true;
        });
        String after = "after the churn";
        nodes[0].broadcast(after);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (int i = 1; i < NODES; i++) {
                assertThat(received(i, after)).as("copies at n%d", i).isEqualTo(1);
            }
        });

        // descriptors: one per session end and per listener; nothing else may have accumulated
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(openFds() - sessions()).as("descriptors not held by a session (before: %d)",
                        fdsMinusSessionsBefore).isLessThanOrEqualTo(fdsMinusSessionsBefore + FD_SLACK));
        long heapAfter = AttackHarness.retainedHeap();
        log.warn("p2p churn: heap after GC {} MiB before, {} MiB after", heapBefore >> 20, heapAfter >> 20);
        assertThat(heapAfter - heapBefore).as("heap growth (bytes)").isLessThan((long) HEAP_SLACK_MIB << 20);
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
