package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.PeerRecords;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mallory, a real node with a real session to bob, answers bob's peer-exchange request with entries
 * about others:
 * unsigned ones and one signed with her own key are refused and counted; a record dave signed
 * himself is accepted from her (a record is worth what its signer says), and an older one of his
 * does not replace it.
 */
class PeerExchangeForgeryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final TestNodes net = new TestNodes();

    @AfterEach
    void close() {
        net.close();
    }

    private static List<HostAndPort> addrsOf(PeerNode n, io.nexo.p2p.identity.PeerId id) {
        return n.knownPeers().stream().filter(e -> e.id().equals(id)).findFirst().map(AddressBook.Entry::addrs)
                .orElse(List.of());
    }

    @Test
    void onlyAPeersOwnSignedRecordTeachesItsAddresses() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        PeerNode mallory = net.start("mallory", bob);
        await().atMost(WAIT).until(() -> bob.peers().size() == 2);
        HostAndPort victim = new HostAndPort("127.0.0.9", 443);
        NodeIdentity dave = NodeIdentity.generate();
        HostAndPort daveAt = new HostAndPort("127.0.0.1", 7001);

        PeerAddress unsigned = PeerAddress.newBuilder().setPeerId(alice.peerId().value()).setName("alice")
                .addAddrs(victim.toString()).build();
        // mallory's own record with alice's id in the entry: the record's signer is not alice
        PeerAddress relabelled = PeerAddress.newBuilder().setPeerId(alice.peerId().value())
                .setSignedRecord(PeerRecords.sign(mallory.config().identity(), "alice", List.of(victim), 1)).build();
        PeerAddress daveNew = PeerAddress.newBuilder()
                .setSignedRecord(PeerRecords.sign(dave, "dave", List.of(daveAt), 20)).build();
        PeerAddress daveOld = PeerAddress.newBuilder()
                .setSignedRecord(PeerRecords.sign(dave, "dave", List.of(victim), 10)).build();
        Envelope forged = Envelope.newBuilder().setPex(PeerExchange.newBuilder()
                .addPeers(unsigned).addPeers(relabelled).addPeers(daveNew).addPeers(daveOld)).build();
        // bob reads only an answer to a request of his (he asks a random neighbour every 300 ms here,
        // and mallory's node answers too): send the forged answer until bob has read one
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            mallory.session(bob.peerId()).ifPresent(s -> s.send(forged));
            return bob.signatureStats().refusedRecords() >= 2;
        });
        await().atMost(WAIT).until(() -> !addrsOf(bob, dave.peerId()).isEmpty());
        assertThat(addrsOf(bob, dave.peerId())).containsExactly(daveAt);
        assertThat(addrsOf(bob, alice.peerId())).doesNotContain(victim).isNotEmpty();
        assertThat(net.events(bob).events).filteredOn(e -> e instanceof PeerEvent.InvalidMessage)
                .extracting(e -> ((PeerEvent.InvalidMessage) e).reason()).startsWith("bad-peer-record", "bad-peer-record")
                .containsOnly("bad-peer-record");

        // honest peer exchange still works: carol joins bob and learns alice's real address from it
        PeerNode carol = net.start("carol", bob);
        await().atMost(WAIT).until(() -> addrsOf(carol, alice.peerId()).contains(alice.listenAddress()));
        assertThat(addrsOf(carol, alice.peerId())).doesNotContain(victim);
        assertThat(addrsOf(carol, dave.peerId())).as("bob relays only records of its sessions").isEmpty();
    }
}
