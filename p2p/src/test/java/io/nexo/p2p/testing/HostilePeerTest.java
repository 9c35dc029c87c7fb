package io.nexo.p2p.testing;

import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.tls.NetworkKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The driver itself: it really is a peer (handshake, ping), and it observes the node closing it. */
class HostilePeerTest {

    @Test
    void completesTheRealHandshakeAndIsClosedForAnUnknownFrameKind() throws Exception {
        try (AttackHarness h = AttackHarness.start(TestNodes.config("target"), 2, AttackHarness.Bounds.DEFAULT)) {
            HostilePeer mallory = h.attacker(HostilePeer.options().withName("mallory"));
            assertThat(mallory.nodeId()).isEqualTo(h.target().peerId());
            assertThat(mallory.nodeWelcome().getName()).isEqualTo("target");
            await().atMost(Duration.ofSeconds(5)).until(() -> h.target().peers().stream()
                    .map(PeerInfo::id).anyMatch(mallory.peerId()::equals));
            assertThat(mallory.ping(Duration.ofSeconds(5))).as("pong").isTrue();
            // the handshake handler left the pipeline once done; the established session's handlers follow the codec
            assertThat(h.target().session(mallory.peerId()).orElseThrow().channel().pipeline().names())
                    .containsSubsequence("frames", "encoder", "flood-guard", "keep-alive", "session")
                    .doesNotContain("handshake");

            mallory.sendFrame((byte) 9, new byte[] {1, 2, 3});
            assertThat(mallory.awaitClosed(Duration.ofSeconds(5))).as("closed by the node").isTrue();
            h.assertHealthy();
        }
    }

    @Test
    void provesTheNetworkKeyOfAClosedNetwork() throws Exception {
        NetworkKey key = new NetworkKey("the members' secret, 32 bytes...".getBytes(StandardCharsets.UTF_8));
        try (AttackHarness h = AttackHarness.start(TestNodes.config("target").withNetworkKey(key), 2,
                AttackHarness.Bounds.DEFAULT)) {
            HostilePeer insider = h.attacker(HostilePeer.options().withNetworkKey(key));
            assertThat(insider.ping(Duration.ofSeconds(5))).isTrue();
            assertThat(insider.isOpen()).isTrue();
        }
    }

    @Test
    void aPeerThatStopsReadingIsDroppedByItsQueueBound() throws Exception {
        SessionLimits small = SessionLimits.defaults().withMaxFrameBytes(128 * 1024).withMaxOutboundQueueBytes(256 * 1024);
        try (AttackHarness h = AttackHarness.start(TestNodes.config("target").withLimits(small), 2,
                AttackHarness.Bounds.DEFAULT)) {
            HostilePeer lazy = h.attacker(HostilePeer.options().withMaxInboundFrameBytes(128 * 1024));
            lazy.stopReading();
            byte[] big = new byte[100 * 1024];
            int sent = 0;
            while (sent < 100 && h.targetConnectedTo(lazy.peerId())) {
                h.target().publish("bulk", big);
                int n = ++sent;
                // at the pace the honest peers read: only the lazy peer's queue grows
                for (PeerNode p : h.honest()) {
                    await().atMost(Duration.ofSeconds(5)).until(() -> bulkReceived(h, p) == n);
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !h.targetConnectedTo(lazy.peerId()));
            lazy.resumeReading(); // a peer that does not read cannot see the close either
            assertThat(lazy.awaitClosed(Duration.ofSeconds(10))).as("dropped as not reading").isTrue();
            assertThat(sent).as("100 KiB messages until the 256 KiB queue (and the kernel's buffers) overflowed")
                    .isBetween(3, 99);
            h.assertHealthy();
        }
    }

    private static long bulkReceived(AttackHarness h, PeerNode n) {
        return h.net().events(n).messages().stream().filter(m -> m.topic().equals("bulk")).count();
    }
}
