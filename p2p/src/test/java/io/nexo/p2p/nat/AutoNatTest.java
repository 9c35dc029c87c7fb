package io.nexo.p2p.nat;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
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
 * Reachability on loopback. A node that listens where its peers see it come from is dialled back
 * and says public; one that listens on 127.0.0.2 but dials from 127.0.0.1 (as a NATed node is seen
 * at its NAT's address, where nothing listens for it) says private, and then reserves on a relay.
 */
class AutoNatTest {

    /** The stated bound (README): a verdict within 15 s of the first session with a peer. */
    private static final Duration STATED = Duration.ofSeconds(15);

    private final List<PeerNode> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        nodes.forEach(PeerNode::close);
    }

    private PeerNode start(String name, String host, List<PeerEvent> events, PeerNode... join) {
        List<DialTarget> targets = new ArrayList<>();
        for (PeerNode j : join) {
            targets.add(DialTarget.of(j.peerId(), j.listenAddress()));
        }
        PeerNode n = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort(host, 0))
                .withBootstrap(targets).withRelay(RelayConfig.defaults()), events::add);
        nodes.add(n);
        n.start();
        return n;
    }

    @Test
    void aNodeItsPeerCanDialBackSaysPublicAtThatAddress() {
        PeerNode r = start("relay", "127.0.0.1", new CopyOnWriteArrayList<>());
        List<PeerEvent> events = new CopyOnWriteArrayList<>();
        PeerNode p = start("public", "127.0.0.1", events, r);
        assertThat(p.reachability()).isIn(Reachability.Status.UNKNOWN, Reachability.Status.PUBLIC);

        await().atMost(STATED).until(() -> p.reachability() == Reachability.Status.PUBLIC);
        assertThat(p.verifiedAddress()).contains(p.listenAddress());
        assertThat(events).contains(new PeerEvent.ReachabilityChanged(Reachability.Status.PUBLIC,
                Optional.of(p.listenAddress())));
        // a public node with auto reservations holds none
        assertThat(p.relayedAddresses()).isEmpty();
    }

    @Test
    void aNodeSeenWhereItDoesNotListenSaysPrivateAndReservesOnARelay() throws Exception {
        PeerNode r = start("relay", "127.0.0.1", new CopyOnWriteArrayList<>());
        List<PeerEvent> events = new CopyOnWriteArrayList<>();
        PeerNode n = start("natted", "127.0.0.2", events, r);

        await().atMost(STATED).until(() -> n.reachability() == Reachability.Status.PRIVATE);
        assertThat(n.verifiedAddress()).isEmpty();
        assertThat(events).contains(new PeerEvent.ReachabilityChanged(Reachability.Status.PRIVATE, Optional.empty()));
        // --relay-reservations auto: private, so it reserves, and is reachable through the relay
        await().atMost(Duration.ofSeconds(10)).until(() -> !n.relayedAddresses().isEmpty());
        assertThat(n.relayedAddresses()).containsExactly(DialTarget.viaRelay(n.peerId(), r.listenAddress()));
        PeerNode b = start("bob", "127.0.0.1", new CopyOnWriteArrayList<>());
        assertThat(b.connect(n.relayedAddresses().get(0)).get(20, TimeUnit.SECONDS).relayed()).isTrue();
        // a private node grants no reservation: b, asking it, is refused
        assertThat(r.relay().orElseThrow().stats().reservations()).isEqualTo(1);
    }
}
