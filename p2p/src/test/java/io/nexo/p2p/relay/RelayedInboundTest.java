package io.nexo.p2p.relay;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.node.ConnectionLimits;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.node.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How relayed inbound sessions are counted (docs/security.md, "Relayed peers and the inbound caps"):
 * not under the inbound caps of the addresses they appear to come from (the reserved node's, on the
 * relay; the relay's, on the reserved node) but under budgets of their own.
 */
class RelayedInboundTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final TestNodes net = new TestNodes();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        net.close();
    }

    private static PeerNodeConfig reserving(String name, PeerNode relay) {
        return TestNodes.nonDialling(name).withRelay(RelayConfig.defaults().withServe(false).withReserveOn(1))
                .withBootstrap(List.of(DialTarget.of(relay.listenAddress())));
    }

    private static DialTarget awaitReservation(PeerNode a) {
        await().atMost(TIMEOUT).until(() -> !a.relayedAddresses().isEmpty());
        return a.relayedAddresses().get(0);
    }

    /**
     * On the relay, a reserved node's circuits all come from its address: with 4 connections allowed
     * per IP and per /24, it would get 3 circuits. Each circuit leaves the caps once spliced, so it
     * gets the relay's per-peer limit (8 here), and the 9th dialler is refused by that limit.
     */
    @Test
    void aReservedNodesCircuitsAreBoundedByTheRelaysLimitsNotItsInboundCaps() throws Exception {
        RelayLimits eight = new RelayLimits(RelayLimits.DEFAULT_RESERVATION_TTL, 64, 64, 8, 8,
                RelayLimits.DEFAULT_MAX_CIRCUIT_BYTES, RelayLimits.DEFAULT_MAX_CIRCUIT_DURATION,
                RelayLimits.DEFAULT_TOKEN_TTL);
        PeerNodeConfig relayConfig = TestNodes.nonDialling("relay").withRelay(RelayConfig.defaults().withLimits(eight));
        PeerNode relay = net.start(relayConfig
                .withDiscovery(relayConfig.discovery().withMaxConnectionsPerIp(4))
                .withConnections(ConnectionLimits.defaults().withMaxInboundPerSubnet(4)));
        PeerNode alice = net.start(reserving("alice", relay));
        awaitReservation(alice);

        // each dialler from a /24 of its own, as peers from elsewhere on the internet
        for (int i = 0; i < 8; i++) {
            assertThat(connect(relay.listenAddress(), "127.40." + i + ".1", alice)).as("circuit %d", i).isEqualTo("OK\n");
        }
        assertThat(connect(relay.listenAddress(), "127.40.8.1", alice)).isEqualTo("ERR 8 circuits to that peer already\n");
        RelayStats.Snapshot s = relay.relay().orElseThrow().stats();
        assertThat(s.circuitsSpliced()).isEqualTo(8);
        assertThat(s.refused(RelayStats.Refusal.CIRCUITS_PER_PEER)).isEqualTo(1);
        assertThat(relay.connectionCounts().refusedPerIp()).isZero();
        assertThat(relay.connectionCounts().refusedPerSubnet()).isZero();
    }

    /**
     * On the reserved node, relayed peers all come from the relay's address: they have their own
     * budget (3 here) instead of the inbound one (1 here, taken by a direct peer). A 4th relayed peer
     * is refused while the others are in their grace period; the direct peer keeps its session.
     */
    @Test
    void relayedPeersHaveABudgetOfTheirOwnOnTheReservedNode() throws Exception {
        PeerNode relay = net.start(TestNodes.nonDialling("relay").withRelay(RelayConfig.defaults()));
        PeerNode alice = net.start(reserving("alice", relay).withConnections(ConnectionLimits.defaults()
                .withInbound(1, 0).withGracePeriod(Duration.ofHours(1)).withMaxRelayedInbound(3)));
        DialTarget relayed = awaitReservation(alice);
        PeerNode direct = net.start(TestNodes.nonDialling("direct"));
        TestNodes.connect(direct, alice);

        List<PeerNode> viaRelay = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PeerNode b = net.start(TestNodes.nonDialling("bob" + i));
            PeerInfo toAlice = b.connect(relayed).get(20, TimeUnit.SECONDS);
            assertThat(toAlice.relayed()).isTrue();
            viaRelay.add(b);
        }
        await().atMost(TIMEOUT).until(() -> alice.connectionCounts().inbound() == 4);

        PeerNode late = net.start(TestNodes.nonDialling("late"));
        late.connect(relayed).exceptionally(e -> null).get(20, TimeUnit.SECONDS);
        await().atMost(TIMEOUT).until(() -> alice.connectionCounts().refusedFull() == 1);
        await().atMost(TIMEOUT).until(() -> late.peers().stream().noneMatch(p -> p.id().equals(alice.peerId())));
        List<io.nexo.p2p.identity.PeerId> peers = alice.peers().stream().map(PeerInfo::id).toList();
        assertThat(peers).contains(direct.peerId(), relay.peerId()).doesNotContain(late.peerId());
        assertThat(peers).containsAll(viaRelay.stream().map(PeerNode::peerId).toList());
        assertThat(alice.connectionCounts().evicted()).isZero();
    }

    /** A raw dialler's CONNECT to {@code target} from {@code host}; the relay's one-line answer. */
    private String connect(HostAndPort relay, String host, PeerNode target) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(host, 0));
        s.connect(relay.toSocketAddress(), 10_000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(Preamble.connect(target.peerId()).getBytes(StandardCharsets.US_ASCII));
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = s.getInputStream().read()) >= 0) {
            line.append((char) b);
            if (b == '\n') {
                break;
            }
        }
        return line.toString();
    }
}
