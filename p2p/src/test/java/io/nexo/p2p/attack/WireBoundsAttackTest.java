package io.nexo.p2p.attack;

import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.testing.AttackHarness;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.wire.WireViolation;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 11 items 4 and 7 at the wire (what p2pnode's address handling relies on): a Welcome with
 * tens of thousands of addresses or a terminal escape in its name, an oversized peer exchange, are
 * refused at decode; the attacker loses its session, the node and its honest peers carry on.
 */
class WireBoundsAttackTest {

    @Test
    void aWelcomeWithTwentyThousandAddressesFailsTheHandshake() throws Exception {
        try (AttackHarness h = AttackHarness.start(TestNodes.config("target"), 2, AttackHarness.Bounds.DEFAULT)) {
            List<String> addrs = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                addrs.add("10." + (i >> 8 & 255) + "." + (i & 255) + ".1:7000");
            }
            assertThatThrownBy(() -> h.attacker(HostilePeer.options().withListenAddrs(addrs)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("handshake");
            assertThat(h.target().sessionMetrics().violations(WireViolation.ADDRESSES)).isEqualTo(1);
            assertThat(h.target().knownPeers()).as("nothing learned from it").hasSize(2);
            h.assertHealthy();
        }
    }

    @Test
    void aNameWithATerminalEscapeFailsTheHandshake() throws Exception {
        try (AttackHarness h = AttackHarness.start(TestNodes.config("target"), 2, AttackHarness.Bounds.DEFAULT)) {
            assertThatThrownBy(() -> h.attacker(HostilePeer.options().withName("ok\u001b[2J\u001b[Hroot")))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(h.target().sessionMetrics().violations(WireViolation.NAME)).isEqualTo(1);
            h.assertHealthy();
        }
    }

    @Test
    void anOversizedPeerExchangeClosesTheSession() throws Exception {
        try (AttackHarness h = AttackHarness.start(TestNodes.config("target"), 2, AttackHarness.Bounds.DEFAULT)) {
            HostilePeer many = h.attacker(HostilePeer.options());
            PeerExchange.Builder pex = PeerExchange.newBuilder();
            for (int i = 0; i < 1000; i++) {
                pex.addPeers(PeerAddress.newBuilder().setPeerId(io.nexo.p2p.identity.NodeIdentity.generate().peerId().value())
                        .setName("n" + i).addAddrs("127.0.0.1:" + (1000 + i)));
                if (i == 40) {
                    break; // 41 entries: over the 32 a node ever sends
                }
            }
            many.send(Envelope.newBuilder().setPex(pex).build());
            assertThat(many.awaitClosed(Duration.ofSeconds(5))).isTrue();

            HostilePeer longName = h.attacker(HostilePeer.options());
            longName.send(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(PeerAddress.newBuilder()
                    .setPeerId(io.nexo.p2p.identity.NodeIdentity.generate().peerId().value())
                    .setName("x".repeat(500_000)).addAddrs("127.0.0.1:9"))).build());
            // within the envelope bounds (the frame bounds the name): the address exchange skips the entry
            assertThat(longName.ping(Duration.ofSeconds(5))).isTrue();

            assertThat(h.target().sessionMetrics().violations(WireViolation.PEX_ENTRIES)).isEqualTo(1);
            assertThat(h.target().knownPeers()).as("no entry of either was learned").hasSize(4);
            h.assertHealthy();
        }
    }
}
