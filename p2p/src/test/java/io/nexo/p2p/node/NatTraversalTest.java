package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.relay.RelayConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a node advertises follows what AutoNAT verified, and a private node's relayed address
 * travels in its signed record, by peer exchange, to a node that then reaches it through the relay.
 * On loopback: a node listening on 127.0.0.2 but dialling from 127.0.0.1 is private (its peers'
 * dial-backs to 127.0.0.1 find nothing), as a node behind NAT is.
 */
class NatTraversalTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<PeerNode> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        nodes.forEach(PeerNode::close);
    }

    private PeerNode start(String name, String host, RelayConfig relay, List<PeerEvent> events, PeerNode... join) {
        List<DialTarget> targets = new ArrayList<>();
        for (PeerNode j : join) {
            targets.add(DialTarget.of(j.peerId(), j.listenAddress()));
        }
        PeerNodeConfig config = PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort(host, 0))
                .withBootstrap(targets).withRelay(relay);
        // no dials of their own beyond --join: every connection in these tests is one the test makes
        PeerNode n = new PeerNode(config.withDiscovery(config.discovery().withDegree(0, 50)), events::add);
        nodes.add(n);
        n.start();
        return n;
    }

    private static Optional<AddressBook.Entry> entry(PeerNode in, PeerNode of) {
        return in.knownPeers().stream().filter(e -> e.id().equals(of.peerId())).findFirst();
    }

    @Test
    void aPrivateNodesRelayedAddressTravelsInItsSignedRecordAndReachesIt() throws Exception {
        PeerNode relay = start("relay", "127.0.0.1", RelayConfig.defaults(), new CopyOnWriteArrayList<>());
        List<PeerEvent> nattedEvents = new CopyOnWriteArrayList<>();
        // hole punching off: the relayed session is what this test is about
        PeerNode natted = start("natted", "127.0.0.2", RelayConfig.defaults().withHolePunch(false), nattedEvents,
                relay);
        await().atMost(WAIT).until(() -> natted.reachability() == Reachability.Status.PRIVATE
                && !natted.relayedAddresses().isEmpty());
        await().atMost(WAIT).until(() -> natted.advertisedAddresses().isEmpty());
        // the relay holds natted's new record (pushed to it when it changed)
        await().atMost(WAIT).until(() -> entry(relay, natted).map(e -> !e.relays().isEmpty()).orElse(false));

        PeerNode carol = start("carol", "127.0.0.1", RelayConfig.defaults().withServe(false).withHolePunch(false),
                new CopyOnWriteArrayList<>(), relay);
        await().atMost(WAIT).until(() -> entry(carol, natted).isPresent());
        AddressBook.Entry learnt = entry(carol, natted).orElseThrow();
        assertThat(learnt.addrs()).as("no direct address: natted is private").isEmpty();
        assertThat(learnt.relays()).containsExactly(relay.listenAddress());

        PeerInfo reached = carol.sendDirect("natted", "through your relay").get(30, TimeUnit.SECONDS);
        assertThat(reached.id()).isEqualTo(natted.peerId());
        assertThat(reached.relayed()).isTrue();
        await().atMost(WAIT).until(() -> nattedEvents.stream().anyMatch(e -> e instanceof PeerEvent.DirectReceived d
                && d.fromId().equals(carol.peerId()) && d.text().equals("through your relay")));
        assertThat(relay.relay().orElseThrow().stats().circuitsSpliced()).isEqualTo(1);
    }

    @Test
    void readySaysTheReachabilityKnownThenAndAPublicNodeAdvertisesWhereItWasDialledBack() {
        PeerNode relay = start("relay", "127.0.0.1", RelayConfig.defaults(), new CopyOnWriteArrayList<>());
        List<PeerEvent> events = new CopyOnWriteArrayList<>();
        // on every interface: the candidates are every interface address, loopback last
        PeerNode p = start("public", "0.0.0.0", RelayConfig.defaults(), events, relay);
        HostAndPort loopback = new HostAndPort("127.0.0.1", p.listenAddress().port());
        await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof PeerEvent.Ready));
        PeerEvent.Ready ready = (PeerEvent.Ready) events.stream().filter(e -> e instanceof PeerEvent.Ready)
                .findFirst().orElseThrow();
        assertThat(ready.reachability()).isEqualTo(Reachability.Status.UNKNOWN);
        assertThat(ready.advertised()).contains(loopback);

        await().atMost(WAIT).until(() -> p.reachability() == Reachability.Status.PUBLIC);
        // only the verified address: the relay dialled it back at 127.0.0.1
        await().atMost(WAIT).until(() -> p.advertisedAddresses().equals(List.of(loopback)));
        await().atMost(WAIT).until(() -> entry(relay, p).map(e -> e.addrs().equals(List.of(loopback))).orElse(false));
        assertThat(events).filteredOn(e -> e instanceof PeerEvent.ReachabilityChanged)
                .containsExactly(new PeerEvent.ReachabilityChanged(Reachability.Status.PUBLIC, Optional.of(loopback)));
    }
}
