package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.Backoff;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BootstrapPeersTest {

    private static final HostAndPort RELAY = new HostAndPort("198.51.100.7", 4000);
    private static final PeerId ALICE = NodeIdentity.generate().peerId();
    private static final PeerId BOB = NodeIdentity.generate().peerId();
    private static final DialTarget DIRECT = DialTarget.of(RELAY);
    private static final DialTarget TO_ALICE = DialTarget.viaRelay(ALICE, RELAY);
    private static final DialTarget TO_BOB = DialTarget.viaRelay(BOB, RELAY);

    private final BootstrapPeers peers = new BootstrapPeers(List.of(DIRECT, TO_ALICE, TO_BOB),
            new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), new Random(1));

    @Test
    void aRelayAndThePeersReachedThroughItAreThreeBootstrapPeers() {
        assertThat(peers.due(0, id -> false, t -> false)).containsExactly(DIRECT, TO_ALICE, TO_BOB);
        assertThat(peers.isBootstrap(ALICE)).isTrue();
        assertThat(peers.isBootstrap(RELAY)).isTrue();
    }

    @Test
    void aDialInFlightHoldsBackOnlyItsOwnPlace() {
        assertThat(peers.due(0, id -> false, t -> t.equals(TO_ALICE))).containsExactly(DIRECT, TO_BOB);
        // the relay dialled directly, pinned or not, is the same place
        DialTarget pinnedRelay = DialTarget.of(NodeIdentity.generate().peerId(), RELAY);
        assertThat(peers.due(0, id -> false, t -> t.place().equals(pinnedRelay.place())))
                .containsExactly(TO_ALICE, TO_BOB);
    }

    @Test
    void eachBacksOffOnItsOwnFailuresAndLearnsItsOwnId() {
        assertThat(peers.failed(TO_ALICE, 0)).isTrue();
        assertThat(peers.failed(TO_ALICE, 0)).isFalse();
        assertThat(peers.due(0, id -> false, t -> false)).containsExactly(DIRECT, TO_BOB);

        PeerId relayId = NodeIdentity.generate().peerId();
        peers.connected(DIRECT, relayId);
        assertThat(peers.isBootstrap(relayId)).isTrue();
        assertThat(peers.due(0, relayId::equals, t -> false)).containsExactly(TO_BOB);
        peers.connected(TO_ALICE, ALICE); // a success ends alice's run of failures, not the relay's
        assertThat(peers.failed(TO_ALICE, 0)).isTrue();
        assertThat(peers.failed(DIRECT, 0)).isTrue();
        assertThat(peers.failed(DIRECT, 0)).isFalse();
    }
}
