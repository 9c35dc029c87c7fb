package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.discovery.PeerRecords;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.testing.HostilePeers;
import io.nexo.p2p.wire.proto.Direct;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A peer that completes the real handshake and then lies about addresses (issue 11, items 4 and
 * 7): what the node learns, what it refuses, and that its honest traffic is not slowed.
 */
class PeerExchangeAttackTest {

    private final TestNodes net = new TestNodes();
    private final HostilePeers raw = new HostilePeers();

    @AfterEach
    void close() {
        raw.close();
        net.close();
    }

    /**
     * A node that dials nobody by itself, so what it learns stays in its book to look at, and asks a
     * neighbour for addresses only when the session starts (not every 300 ms as test nodes do).
     */
    private PeerNode quiet(String name) {
        PeerNodeConfig c = TestNodes.nonDialling(name);
        DiscoveryParams d = c.discovery();
        return net.start(c.withDiscovery(d.withIntervals(d.maintenanceInterval(), Duration.ofHours(1), d.backoff())));
    }

    /** An entry carrying {@code key}'s own signed record: it passes the signature check, so the bounds behind it are reached. */
    private static PeerAddress entry(NodeIdentity key, String name, String... addrs) {
        List<HostAndPort> parsed = Stream.of(addrs).map(HostAndPort::parse).toList();
        return PeerAddress.newBuilder().setPeerId(key.peerId().value()).setName(name).addAllAddrs(List.of(addrs))
                .setSignedRecord(PeerRecords.sign(key, name, parsed, 1)).build();
    }

    private static Map<PeerId, AddressBook.Entry> book(PeerNode n) {
        return n.knownPeers().stream().collect(Collectors.toMap(AddressBook.Entry::id, Function.identity()));
    }

    /** Sends a direct message on {@code s} and waits until {@code to} reported it: all sent before it was handled. */
    private void sync(HostilePeer s, HostilePeer.Identity me, PeerNode to, String text) {
        s.send(Envelope.newBuilder().setDirect(Direct.newBuilder().setId(ByteString.copyFrom(new byte[16]))
                .setFromId(me.key().peerId().value()).setFromName("raw").setToId(to.peerId().value()).setText(text))
                .build());
        await().atMost(Duration.ofSeconds(5)).until(() -> net.events(to).directTexts().contains("raw: " + text));
    }

    @Test
    void peerExchangeEntriesAreCheckedAndOnlyAnswersAreRead() throws Exception {
        PeerNode victim = quiet("victim");
        PeerNode honest = quiet("honest");
        TestNodes.connect(victim, honest);
        HostilePeer.Identity me = HostilePeer.Identity.generate();
        HostilePeer s = raw.connect("127.0.0.1", victim.listenAddress(), List.of(), me).join();
        // the node asks every new neighbour for addresses: answer that request with poison
        assertThat(s.awaitEnvelope(Envelope::hasPexRequest, Duration.ofSeconds(5))).isPresent();

        NodeIdentity stranger = NodeIdentity.generate();
        NodeIdentity longName = NodeIdentity.generate();
        NodeIdentity escape = NodeIdentity.generate();
        NodeIdentity wildcard = NodeIdentity.generate();
        // about the honest peer, but signed with the attacker's own key: a forgery, refused and counted
        PeerAddress forged = entry(me.key(), "mallory", "127.0.0.1:7020", "127.0.0.1:7021").toBuilder()
                .setPeerId(honest.peerId().value()).build();
        s.send(Envelope.newBuilder().setPex(PeerExchange.newBuilder()
                .addPeers(entry(stranger, "stranger", "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003",
                        "127.0.0.1:7004", "127.0.0.1:7005"))
                .addPeers(entry(longName, "n".repeat(65), "127.0.0.1:7010"))
                .addPeers(entry(escape, "evil\u001b[2J", "127.0.0.1:7011"))
                .addPeers(entry(wildcard, "nowhere", "0.0.0.0:7012", "224.0.0.1:7013", "[::]:7014"))
                .addPeers(forged))
                .build());
        sync(s, me, victim, "after the answer");

        Map<PeerId, AddressBook.Entry> known = book(victim);
        assertThat(known.get(stranger.peerId()).addrs()).hasSize(AddressBook.MAX_HEARSAY_ADDRS);
        assertThat(known).doesNotContainKeys(longName.peerId(), escape.peerId(), wildcard.peerId());
        assertThat(net.events(victim).events).as("only the forged entry is a forgery")
                .filteredOn(e -> e instanceof PeerEvent.InvalidMessage)
                .extracting(e -> ((PeerEvent.InvalidMessage) e).claimedOrigin()).containsExactly(honest.peerId().value());
        // the entry about a peer the node met changed nothing: neither its addresses nor its name
        assertThat(known.get(honest.peerId()).addrs()).containsExactly(honest.listenAddress());
        assertThat(known.get(honest.peerId()).name()).isEqualTo("honest");

        // nobody asked for this one
        NodeIdentity unsolicited = NodeIdentity.generate();
        s.send(Envelope.newBuilder().setPex(PeerExchange.newBuilder()
                .addPeers(entry(unsolicited, "pushed", "127.0.0.1:7030"))).build());
        sync(s, me, victim, "after the push");
        assertThat(book(victim)).doesNotContainKey(unsolicited.peerId());
        assertThat(victim.peers()).extracting(PeerInfo::id).contains(me.key().peerId(), honest.peerId());
    }

    @Test
    void aWelcomeWithFiftyThousandAddressesClosesThatSessionAndDoesNotSlowDirectMessages() {
        PeerNode victim = quiet("victim");
        PeerNode honest = quiet("honest");
        TestNodes.connect(victim, honest);
        List<HostAndPort> many = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            many.add(new HostAndPort("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff), 5000));
        }
        List<HostilePeer.Identity> ids = HostilePeer.Identity.generateAll(3);
        Duration bound = net.directBound(honest, victim);
        List<CompletableFuture<?>> attacks = new ArrayList<>();
        for (HostilePeer.Identity id : ids) {
            attacks.add(raw.connect("127.0.0.1", victim.listenAddress(), many, id).exceptionally(e -> null));
        }
        for (int i = 0; i < 10; i++) {
            net.directMillis(honest, victim, "during " + i, bound);
        }
        CompletableFuture.allOf(attacks.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> raw.closed.get() == ids.size());
        assertThat(victim.peers()).extracting(PeerInfo::id).containsExactly(honest.peerId());
        assertThat(book(victim)).doesNotContainKeys(ids.stream().map(i -> i.key().peerId()).toArray(PeerId[]::new));
    }
}
