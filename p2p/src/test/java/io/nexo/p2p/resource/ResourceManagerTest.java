package io.nexo.p2p.resource;

import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.resource.ResourceManager.Protocol;
import io.nexo.p2p.resource.ResourceManager.Refusal;
import io.nexo.p2p.resource.ResourceManager.Reservation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each scope refuses the reservation that would take it over its limit, at once; release gives the room back. */
class ResourceManagerTest {

    private static final long MIB = 1 << 20;
    private static final PeerId A = NodeIdentity.generate().peerId();
    private static final PeerId B = NodeIdentity.generate().peerId();
    private static final PeerId C = NodeIdentity.generate().peerId();

    // node 4 MiB, peer 2 MiB, protocol 3 MiB, 16 requests per peer; outbound 1 MiB
    private final ResourceManager rm = new ResourceManager(
            new ResourceLimits(MIB, 4 * MIB, 2 * MIB, 3 * MIB, 16), () -> 0L);

    @Test
    void aPeerCannotHoldMoreThanItsShare() {
        Reservation first = rm.reservePending(A, Protocol.GOSSIP, 2 * MIB).orElseThrow();
        assertThat(rm.reservePending(A, Protocol.DIRECT, 1)).isEmpty();
        assertThat(rm.stats().refused(Refusal.PEER_PENDING)).isEqualTo(1);
        assertThat(rm.reservePending(B, Protocol.DIRECT, MIB)).as("another peer still has room").isPresent();
        first.release();
        first.release(); // idempotent
        assertThat(rm.reservePending(A, Protocol.DIRECT, 1)).isPresent();
    }

    @Test
    void aProtocolCannotHoldMoreThanItsShareOverAllPeers() {
        rm.reservePending(A, Protocol.FILES, 2 * MIB).orElseThrow();
        rm.reservePending(B, Protocol.FILES, MIB).orElseThrow();
        assertThat(rm.reservePending(C, Protocol.FILES, 1)).isEmpty();
        assertThat(rm.stats().refused(Refusal.PROTOCOL_PENDING)).isEqualTo(1);
        assertThat(rm.reservePending(C, Protocol.GOSSIP, MIB)).as("gossip is not starved by files").isPresent();
    }

    @Test
    void theNodeTotalBoundsEveryone() {
        rm.reservePending(A, Protocol.GOSSIP, 2 * MIB).orElseThrow();
        rm.reservePending(B, Protocol.DIRECT, 2 * MIB).orElseThrow();
        assertThat(rm.reservePending(C, Protocol.EXCHANGE, 1)).isEmpty();
        assertThat(rm.stats().refused(Refusal.NODE_PENDING)).isEqualTo(1);
        assertThat(rm.stats().pendingBytes()).isEqualTo(4 * MIB);
    }

    @Test
    void pendingRequestsAreCountedWhateverTheirSize() {
        List<Reservation> held = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            held.add(rm.reservePending(A, Protocol.FILES, 45).orElseThrow());
        }
        assertThat(rm.reservePending(A, Protocol.FILES, 45)).isEmpty();
        assertThat(rm.stats().refused(Refusal.PEER_REQUESTS)).isEqualTo(1);
        held.forEach(Reservation::release);
        assertThat(rm.stats().peersHolding()).as("no scope outlives its work").isZero();
        assertThat(rm.stats().pendingBytes()).isZero();
    }

    @Test
    void theOutboundTotalIsItsOwnScope() {
        Optional<Reservation> r = rm.reserveOutbound(A, MIB);
        assertThat(r).isPresent();
        assertThat(rm.reserveOutbound(B, 1)).isEmpty();
        assertThat(rm.stats().refused(Refusal.NODE_OUTBOUND)).isEqualTo(1);
        assertThat(rm.reservePending(B, Protocol.GOSSIP, MIB)).as("pending work is counted apart").isPresent();
        r.get().release();
        assertThat(rm.stats().outboundBytes()).isZero();
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> new ResourceLimits(MIB, MIB, 2 * MIB, MIB, 16))
                .hasMessage("peerPendingBytes: 2097152 (expected: <= nodePendingBytes 1048576)");
        assertThatThrownBy(() -> ResourceLimits.defaults().withPending(MIB, MIB, MIB, 1))
                .hasMessage("peerPendingRequests: 1 (expected: >= 16)");
    }
}
