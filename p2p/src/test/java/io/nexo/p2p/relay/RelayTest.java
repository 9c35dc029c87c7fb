package io.nexo.p2p.relay;

import io.netty.buffer.ByteBufUtil;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Circuit relay between real nodes on loopback: R relays, A holds a reservation on R, B knows A only
 * by its relayed address. What crosses R is end-to-end TLS, counted by R.
 */
class RelayTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final List<PeerNode> nodes = new ArrayList<>();

    private record Node(PeerNode node, List<PeerEvent> events) {
    }

    @AfterEach
    void tearDown() {
        nodes.forEach(PeerNode::close);
    }

    private Node start(String name, RelayConfig relay, Node... join) {
        List<DialTarget> targets = new ArrayList<>();
        for (Node j : join) {
            targets.add(DialTarget.of(j.node().peerId(), j.node().listenAddress()));
        }
        return start(PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0))
                .withBootstrap(targets).withRelay(relay));
    }

    private Node start(PeerNodeConfig config) {
        List<PeerEvent> events = new CopyOnWriteArrayList<>();
        // hole punching off: on loopback every relayed session would be punched into a direct one
        PeerNode n = new PeerNode(config.withRelay(config.relay().withHolePunch(false)), events::add);
        nodes.add(n);
        n.start();
        return new Node(n, events);
    }

    private static RelayConfig serving(RelayLimits limits) {
        return RelayConfig.defaults().withLimits(limits);
    }

    private static RelayConfig reserving() {
        return RelayConfig.defaults().withServe(false).withReserveOn(1);
    }

    private static RelayConfig plain() {
        return RelayConfig.defaults().withServe(false);
    }

    /** A reserved on R; returns A's relayed address. */
    private static DialTarget awaitReservation(Node a) {
        await().atMost(TIMEOUT).until(() -> !a.node().relayedAddresses().isEmpty());
        return a.node().relayedAddresses().get(0);
    }

    private static RelayStats.Snapshot stats(Node relay) {
        return relay.node().relay().orElseThrow().stats();
    }

    @Test
    void aDirectMessageCrossesTheRelayAsTlsOnly() throws Exception {
        Node r = start("relay", RelayConfig.defaults());
        ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
        r.node().relay().orElseThrow().tap(data -> {
            synchronized (forwarded) {
                forwarded.writeBytes(ByteBufUtil.getBytes(data));
            }
        });
        Node a = start("alice", reserving(), r);
        Node b = start("bob", plain());
        DialTarget relayed = awaitReservation(a);
        assertThat(relayed.toString()).isEqualTo(a.node().peerId() + "@relay:" + r.node().listenAddress());
        assertThat(a.events()).anySatisfy(e -> assertThat(e).isEqualTo(new PeerEvent.RelayChanged(relayed, true, "")));

        PeerInfo toA = b.node().connect(DialTarget.parse(relayed.toString())).get(20, TimeUnit.SECONDS);

        assertThat(toA.id()).isEqualTo(a.node().peerId());
        assertThat(toA.relayed()).isTrue();
        assertThat(toA.path()).isEqualTo("relayed");
        assertThat(toA.remote()).isEqualTo(r.node().listenAddress());
        await().atMost(TIMEOUT).until(() -> a.node().peers().stream()
                .anyMatch(p -> p.id().equals(b.node().peerId()) && p.relayed() && !p.outbound()));
        // alice's session with the relay itself is direct
        assertThat(a.node().peers()).filteredOn(p -> p.id().equals(r.node().peerId()))
                .singleElement().satisfies(p -> assertThat(p.path()).isEqualTo("direct"));

        String marker = "plaintext-marker-" + System.nanoTime();
        a.node().sendDirect(b.node().peerId().value(), marker).get(20, TimeUnit.SECONDS);
        b.node().sendDirect(a.node().peerId().value(), marker + "-back").get(20, TimeUnit.SECONDS);
        await().atMost(TIMEOUT).until(() -> b.events().contains(
                new PeerEvent.DirectReceived(a.node().peerId(), "alice", marker)));
        await().atMost(TIMEOUT).until(() -> a.events().contains(
                new PeerEvent.DirectReceived(b.node().peerId(), "bob", marker + "-back")));

        RelayStats.Snapshot s = stats(r);
        assertThat(s.circuitsSpliced()).isEqualTo(1);
        assertThat(s.circuitsOpen()).isEqualTo(1);
        assertThat(s.reservations()).isEqualTo(1);
        byte[] seen;
        synchronized (forwarded) {
            seen = forwarded.toByteArray();
        }
        assertThat(s.bytesForwarded()).isEqualTo(seen.length).isGreaterThan(1000); // handshakes, messages
        assertThat(new String(seen, StandardCharsets.ISO_8859_1)).doesNotContain(marker).doesNotContain("alice");
        assertThat(seen[0]).isEqualTo((byte) 0x16); // bob's TLS ClientHello was the first byte through
        // bob may since have met the relay by peer exchange; his session with alice is still the circuit
        assertThat(b.node().peers()).filteredOn(p -> p.id().equals(a.node().peerId()))
                .singleElement().satisfies(p -> assertThat(p.relayed()).isTrue());

        // the circuit ends with the session, and gives its slot back
        b.node().close();
        await().atMost(TIMEOUT).until(() -> stats(r).circuitsOpen() == 0);
    }

    @Test
    void joiningARelayAndAPeerThroughItDialsBoth() {
        // nobody dials peers learnt by exchange: carol's sessions are the ones her --join peers make
        DiscoveryParams joinOnly = DiscoveryParams.defaults().withDegree(0, 50);
        Node r = start(config("relay", RelayConfig.defaults()).withDiscovery(joinOnly));
        Node a = start(config("alice", reserving()).withDiscovery(joinOnly)
                .withBootstrap(List.of(DialTarget.of(r.node().listenAddress()))));
        DialTarget relayed = awaitReservation(a);
        Node c = start(config("carol", plain()).withDiscovery(joinOnly)
                .withBootstrap(List.of(DialTarget.of(r.node().listenAddress()), relayed)));

        await().atMost(TIMEOUT).until(() -> c.node().peers().size() == 2);
        assertThat(c.node().peers()).anySatisfy(p -> assertThat(p).matches(
                q -> q.id().equals(r.node().peerId()) && q.outbound() && !q.relayed(), "carol dialled the relay"));
        assertThat(c.node().peers()).anySatisfy(p -> assertThat(p).matches(
                q -> q.id().equals(a.node().peerId()) && q.outbound() && q.relayed(), "carol dialled alice through it"));
        assertThat(stats(r).circuitsSpliced()).isEqualTo(1);
    }

    private static PeerNodeConfig config(String name, RelayConfig relay) {
        return PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0)).withRelay(relay);
    }

    @Test
    void aDialToAPeerWithoutReservationIsRefusedInWords() {
        Node r = start("relay", RelayConfig.defaults());
        Node b = start("bob", plain());
        Node stranger = start("stranger", plain());
        DialTarget t = DialTarget.viaRelay(stranger.node().peerId(), r.node().listenAddress());

        assertThatThrownBy(() -> b.node().connect(t).get(20, TimeUnit.SECONDS))
                .hasMessageContaining("relay " + r.node().listenAddress() + " refused: no reservation for "
                        + stranger.node().peerId() + " on this relay");
        assertThat(stats(r).refused(RelayStats.Refusal.NO_RESERVATION)).isEqualTo(1);
    }

    @Test
    void aNodeWithRelayOffRefusesReservationsAndCircuits() throws Exception {
        Node r = start("norelay", plain());
        Node a = start("alice", reserving(), r);
        await().atMost(TIMEOUT).until(() -> a.node().peers().size() == 1);
        assertThat(r.node().relay()).isEmpty();
        // asked and refused: alice advertises no relayed address
        await().during(Duration.ofSeconds(2)).atMost(TIMEOUT).until(() -> a.node().relayedAddresses().isEmpty());
        try (Socket s = new Socket(r.node().listenAddress().host(), r.node().listenAddress().port())) {
            s.getOutputStream().write(Preamble.connect(a.node().peerId()).getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(10_000);
            // not a relay: the TLS handler takes the preamble for a bad record and closes
            assertThat(s.getInputStream().readAllBytes()).doesNotContain((byte) 'O', (byte) 'K');
        }
    }

    @Test
    void aTokenNeverIssuedIsRefusedAndCounted() throws Exception {
        Node r = start("relay", RelayConfig.defaults());
        assertThat(ask(r, "NEXO-RELAY ACCEPT " + "00".repeat(16) + "\n"))
                .isEqualTo("ERR unknown, used or expired token\n");
        assertThat(ask(r, "NEXO-RELAY ACCEPT 00\n")).isEqualTo("ERR not a relay request\n");
        assertThat(ask(r, "NEXO-RELAY " + "x".repeat(200) + "\n")).isEqualTo("ERR a relay preamble over 128 bytes\n");
        assertThat(ask(r, "NEXO-RELAY CONNECT \u0001\n"))
                .isEqualTo("ERR a byte that is not printable ASCII in the relay preamble\n");
        RelayStats.Snapshot s = stats(r);
        assertThat(s.refused(RelayStats.Refusal.BAD_TOKEN)).isEqualTo(1);
        assertThat(s.refused(RelayStats.Refusal.BAD_PREAMBLE)).isEqualTo(3);
        assertThat(s.circuitsOpen()).isZero();
    }

    @Test
    void circuitsOverThePerPeerLimitAreRefusedAndCounted() throws Exception {
        RelayLimits one = new RelayLimits(RelayLimits.DEFAULT_RESERVATION_TTL, 8, 8, 1, 8,
                RelayLimits.DEFAULT_MAX_CIRCUIT_BYTES, RelayLimits.DEFAULT_MAX_CIRCUIT_DURATION,
                RelayLimits.DEFAULT_TOKEN_TTL);
        Node r = start("relay", serving(one));
        Node a = start("alice", reserving(), r);
        DialTarget relayed = awaitReservation(a);
        Node b = start("bob", plain());
        Node c = start("carol", plain());
        assertThat(b.node().connect(relayed).get(20, TimeUnit.SECONDS).relayed()).isTrue();

        assertThatThrownBy(() -> c.node().connect(relayed).get(20, TimeUnit.SECONDS))
                .hasMessageContaining("refused: 1 circuits to that peer already");
        assertThat(stats(r).refused(RelayStats.Refusal.CIRCUITS_PER_PEER)).isEqualTo(1);
        assertThat(stats(r).circuitsSpliced()).isEqualTo(1);
    }

    @Test
    void aCircuitIsCutAtItsByteLimit() throws Exception {
        RelayLimits small = new RelayLimits(RelayLimits.DEFAULT_RESERVATION_TTL, 8, 8, 8, 8,
                64 * 1024, RelayLimits.DEFAULT_MAX_CIRCUIT_DURATION, RelayLimits.DEFAULT_TOKEN_TTL);
        Node r = start("relay", serving(small));
        Node a = start("alice", reserving(), r);
        DialTarget relayed = awaitReservation(a);
        Node b = start("bob", plain());
        b.node().connect(relayed).get(20, TimeUnit.SECONDS);
        String kib = "x".repeat(1024);
        // 100 KiB of messages over a 64 KiB circuit (a message sent after the cut may dial alice directly)
        for (int i = 0; i < 100 && stats(r).refused(RelayStats.Refusal.CIRCUIT_BYTES) == 0; i++) {
            b.node().sendDirect(a.node().peerId().value(), kib).exceptionally(e -> null).get(20, TimeUnit.SECONDS);
        }
        await().atMost(TIMEOUT).until(() -> stats(r).refused(RelayStats.Refusal.CIRCUIT_BYTES) == 1);
        // the session inside the circuit ended with it, on both sides
        await().atMost(TIMEOUT).until(() -> b.events().stream().anyMatch(e -> e instanceof PeerEvent.PeerDisconnected d
                && d.peer().id().equals(a.node().peerId()) && d.peer().relayed()));
        await().atMost(TIMEOUT).until(() -> a.events().stream().anyMatch(e -> e instanceof PeerEvent.PeerDisconnected d
                && d.peer().id().equals(b.node().peerId()) && d.peer().relayed()));
        assertThat(stats(r).bytesForwarded()).isLessThanOrEqualTo(64 * 1024);
        await().atMost(TIMEOUT).until(() -> stats(r).circuitsOpen() == 0);
    }

    /** One request line on a raw connection to {@code relay}; returns everything it answered before closing. */
    private static String ask(Node relay, String line) throws Exception {
        try (Socket s = new Socket(relay.node().listenAddress().host(), relay.node().listenAddress().port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(line.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
