package io.nexo.p2p.node;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.PeerRecords;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mallory, a hand-driven peer with a real session to bob ({@link HostilePeer}: she answers nothing by
 * herself, so her forged answer is the one bob reads), answers bob's peer-exchange request with
 * entries about others:
 * unsigned ones and one signed with her own key are refused and counted; a record dave signed
 * himself is accepted from her (a record is worth what its signer says), and an older one of his
 * does not replace it.
 */
class PeerExchangeForgeryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final TestNodes net = new TestNodes();
    private final EventLoopGroup group = Transport.best().newEventLoopGroup(1, "hostile");

    @AfterEach
    void close() {
        net.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static List<HostAndPort> addrsOf(PeerNode n, io.nexo.p2p.identity.PeerId id) {
        return n.knownPeers().stream().filter(e -> e.id().equals(id)).findFirst().map(AddressBook.Entry::addrs)
                .orElse(List.of());
    }

    @Test
    void onlyAPeersOwnSignedRecordTeachesItsAddresses() throws Exception {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        await().atMost(WAIT).until(() -> bob.peers().size() == 1);
        HostilePeer.Options options = HostilePeer.options();
        HostilePeer mallory = HostilePeer.connect(group, bob.listenAddress(), options);
        HostAndPort victim = new HostAndPort("127.0.0.9", 443);
        NodeIdentity dave = NodeIdentity.generate();
        HostAndPort daveAt = new HostAndPort("127.0.0.1", 7001);

        PeerAddress unsigned = PeerAddress.newBuilder().setPeerId(alice.peerId().value()).setName("alice")
                .addAddrs(victim.toString()).build();
        // mallory's own record with alice's id in the entry: the record's signer is not alice
        PeerAddress relabelled = PeerAddress.newBuilder().setPeerId(alice.peerId().value())
                .setSignedRecord(PeerRecords.sign(options.identity(), "alice", List.of(victim), 1)).build();
        PeerAddress daveNew = PeerAddress.newBuilder()
                .setSignedRecord(PeerRecords.sign(dave, "dave", List.of(daveAt), 20)).build();
        PeerAddress daveOld = PeerAddress.newBuilder()
                .setSignedRecord(PeerRecords.sign(dave, "dave", List.of(victim), 10)).build();
        // bob reads only an answer to a request of his: wait for his request, then answer it (once)
        assertThat(mallory.awaitEnvelope(Envelope::hasPexRequest, WAIT)).as("bob asks his new neighbour").isPresent();
        mallory.send(Envelope.newBuilder().setPex(PeerExchange.newBuilder()
                .addPeers(unsigned).addPeers(relabelled).addPeers(daveNew).addPeers(daveOld)).build());

        await().atMost(WAIT).until(() -> !addrsOf(bob, dave.peerId()).isEmpty());
        assertThat(bob.signatureStats().refusedRecords()).isEqualTo(2);
        assertThat(addrsOf(bob, dave.peerId())).containsExactly(daveAt);
        assertThat(addrsOf(bob, alice.peerId())).doesNotContain(victim).isNotEmpty();
        assertThat(net.events(bob).events).filteredOn(e -> e instanceof PeerEvent.InvalidMessage)
                .extracting(e -> ((PeerEvent.InvalidMessage) e).reason()).containsExactly("bad-peer-record", "bad-peer-record");
        assertThat(mallory.isOpen()).as("two forgeries are under the limit of three").isTrue();

        // honest peer exchange still works: carol joins bob and learns alice's real address from it
        PeerNode carol = net.start("carol", bob);
        await().atMost(WAIT).until(() -> addrsOf(carol, alice.peerId()).contains(alice.listenAddress()));
        assertThat(addrsOf(carol, alice.peerId())).doesNotContain(victim);
        assertThat(addrsOf(carol, dave.peerId())).as("bob relays only records of its sessions").isEmpty();
    }

    private static List<HostAndPort> relaysOf(PeerNode n, io.nexo.p2p.identity.PeerId id) {
        return n.knownPeers().stream().filter(e -> e.id().equals(id)).findFirst().map(AddressBook.Entry::relays)
                .orElse(List.of());
    }

    /**
     * Relayed addresses are worth what their signer says, like any address: mallory cannot make bob
     * reach alice through a relay of hers (a record she signed with alice's id is refused and counted,
     * and an unrequested exchange about anyone but herself is ignored), while her own record, pushed
     * unrequested when it changes, teaches bob where to reach her.
     */
    @Test
    void aRelayedAddressCountsOnlyInItsPeersOwnRecord() throws Exception {
        PeerNode alice = net.start("alice");
        // bob asks for addresses only when a session starts: no periodic request of his may make
        // mallory's unrequested message below an answer
        PeerNodeConfig bobConfig = TestNodes.config("bob")
                .withBootstrap(List.of(io.nexo.p2p.discovery.DialTarget.of(alice.listenAddress())));
        PeerNode bob = net.start(bobConfig.withDiscovery(bobConfig.discovery().withIntervals(Duration.ofMillis(100),
                Duration.ofMinutes(10), bobConfig.discovery().backoff())));
        await().atMost(WAIT).until(() -> bob.peers().size() == 1);
        HostilePeer.Options options = HostilePeer.options();
        HostilePeer mallory = HostilePeer.connect(group, bob.listenAddress(), options);
        io.nexo.p2p.identity.PeerId malloryId = options.identity().peerId();
        HostAndPort evilRelay = new HostAndPort("127.0.0.9", 4001);
        HostAndPort herRelay = new HostAndPort("127.0.0.1", 4002);
        NodeIdentity dave = NodeIdentity.generate();

        assertThat(mallory.awaitEnvelope(Envelope::hasPexRequest, WAIT)).as("bob asks his new neighbour").isPresent();
        PeerAddress aliceViaEvil = PeerAddress.newBuilder().setPeerId(alice.peerId().value())
                .setSignedRecord(PeerRecords.sign(options.identity(), "alice", List.of(), List.of(evilRelay), 1)).build();
        PeerAddress hers = PeerAddress.newBuilder().setPeerId(malloryId.value())
                .setSignedRecord(PeerRecords.sign(options.identity(), "mallory", List.of(), List.of(herRelay), 1)).build();
        mallory.send(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(aliceViaEvil).addPeers(hers)).build());
        await().atMost(WAIT).until(() -> relaysOf(bob, malloryId).equals(List.of(herRelay)));
        assertThat(bob.signatureStats().refusedRecords()).isEqualTo(1);
        assertThat(relaysOf(bob, alice.peerId())).isEmpty();

        // unrequested: dave's genuine record through mallory is hearsay bob did not ask for: ignored
        mallory.send(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(PeerAddress.newBuilder()
                .setPeerId(dave.peerId().value())
                .setSignedRecord(PeerRecords.sign(dave, "dave", List.of(), List.of(evilRelay), 1)))).build());
        // ... while her own newer record, pushed unrequested, replaces what bob knew of her
        HostAndPort moved = new HostAndPort("127.0.0.1", 4003);
        mallory.send(Envelope.newBuilder().setPex(PeerExchange.newBuilder().addPeers(PeerAddress.newBuilder()
                .setPeerId(malloryId.value())
                .setSignedRecord(PeerRecords.sign(options.identity(), "mallory", List.of(), List.of(moved), 2)))).build());
        await().atMost(WAIT).until(() -> relaysOf(bob, malloryId).equals(List.of(moved)));
        assertThat(bob.knownPeers()).extracting(AddressBook.Entry::id).doesNotContain(dave.peerId());
        assertThat(bob.signatureStats().refusedRecords()).isEqualTo(1);
    }
}
