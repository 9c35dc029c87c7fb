package io.nexo.p2p.soak;

import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.node.LogCapture;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.session.SessionLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Flood: a peer broadcasting far above the receiver's message rate is throttled (the excess dropped
 * and logged), then, as it keeps on, disconnected; an honest peer's messages keep arriving promptly
 * throughout, and the flood reaches third nodes only at the throttled rate.
 */
class FloodTest {

    private static final int RATE = 50;
    /** Far above the limit: what one thread sends as fast as it can, capped so the loop is bounded. */
    private static final int FLOOD_MESSAGES_MAX = 200_000;
    /**
     * "Promptly": the honest peer's messages cross one link of loopback TLS; a millisecond when the
     * machine is quiet, so 1 s is a bound only a receiver choking on the flood would miss.
     */
    private static final long PROMPT_MILLIS = 1_000;

    private final TestNodes net = new TestNodes();
    @RegisterExtension
    final LogCapture logs = new LogCapture("io.nexo.p2p");

    @AfterEach
    void close() {
        net.close();
    }

    private long logged(String fragment) {
        return logs.count(fragment);
    }

    @Test
    void aFlooderIsThrottledThenDroppedWhileHonestMessagesArriveOnTime() throws Exception {
        PeerNode alice = net.start(TestNodes.config("alice").withLimits(SessionLimits.defaults().withRate(RATE, RATE)));
        // mallory and carol link only to alice (one peer each), so the only path from the flood to
        // carol crosses alice's throttle, which is what is under test
        PeerNode mallory = net.start(TestNodes.config("mallory").withBootstrap(List.of(DialTarget.of(alice.listenAddress())))
                .withDiscovery(TestNodes.config("x").discovery().withDegree(1, 1)));
        PeerNode carol = net.start(TestNodes.config("carol").withBootstrap(List.of(DialTarget.of(alice.listenAddress())))
                .withDiscovery(TestNodes.config("x").discovery().withDegree(1, 1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 2);

        // when alice delivers each of carol's messages (by text), to measure how late it is
        Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
        Thread watcher = new Thread(() -> {
            int seen = 0;
            while (!Thread.currentThread().isInterrupted()) {
                List<PeerEvent.MessageReceived> got = net.events(alice).messages();
                for (int i = seen; i < got.size(); i++) {
                    if (got.get(i).text().startsWith("carol ")) {
                        deliveredAt.putIfAbsent(got.get(i).text(), System.nanoTime());
                    }
                }
                seen = got.size();
                Thread.onSpinWait();
            }
        }, "delivery-watcher");
        watcher.setDaemon(true);
        watcher.start();

        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(20);
        int flooded = 0;
        int honest = 0;
        long nextHonest = start;
        try {
            while (System.nanoTime() < deadline && flooded < FLOOD_MESSAGES_MAX
                    && logged("flooding: over") == 0) {
                mallory.broadcast("spam " + flooded++);
                if (System.nanoTime() >= nextHonest) {
                    String text = "carol " + honest++;
                    sentAt.put(text, System.nanoTime());
                    carol.broadcast(text);
                    nextHonest += TimeUnit.MILLISECONDS.toNanos(100);
                }
                if (flooded % 64 == 0) {
                    TimeUnit.MILLISECONDS.sleep(1); // ~30 000 messages/s: far above the rate, bounded
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(logged("exceeds " + RATE + " messages/s")).as("throttling logged").isPositive();
            await().atMost(Duration.ofSeconds(5)).until(() -> logged("flooding: over " + RATE + " messages/s") == 1);
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    net.events(alice).disconnected().contains(mallory.peerId()));
            assertThat(logged("flooding: over")).as("only the flooder was cut off").isEqualTo(1);
            assertThat(seconds).as("the flooder was dropped after the tolerance, not before")
                    .isGreaterThanOrEqualTo(4.5);
            // carol is untouched, and every one of her messages arrived promptly
            assertThat(alice.peers()).extracting(PeerInfo::id).contains(carol.peerId());
            await().atMost(Duration.ofSeconds(5)).until(() -> deliveredAt.keySet().containsAll(sentAt.keySet()));
            List<Long> lateness = new ArrayList<>();
            sentAt.forEach((text, t) -> lateness.add(TimeUnit.NANOSECONDS.toMillis(deliveredAt.get(text) - t)));
            assertThat(lateness).as("ms from carol's broadcast to alice's delivery").hasSizeGreaterThan(40)
                    .allMatch(ms -> ms < PROMPT_MILLIS);
            // of mallory's flood, alice delivered at most the rate: burst + RATE per second
            long spamDelivered = net.events(alice).chatTexts().stream().filter(t -> t.startsWith("spam ")).count();
            assertThat(spamDelivered).as("spam delivered of %d sent", flooded)
                    .isLessThanOrEqualTo(RATE + (long) Math.ceil(seconds * RATE) + 1);
            assertThat((long) flooded).isGreaterThan(10L * spamDelivered);
            // and carol, behind alice, saw no more than alice let through
            long spamAtCarol = net.events(carol).chatTexts().stream().filter(t -> t.startsWith("spam ")).count();
            assertThat(spamAtCarol).isLessThanOrEqualTo(spamDelivered);
        } finally {
            watcher.interrupt();
        }
    }
}
