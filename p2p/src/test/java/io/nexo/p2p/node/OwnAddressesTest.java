package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.PeerRecords;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.nat.Reachability.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** What a node advertises as its reachability becomes known, and its record signed anew on each change. */
class OwnAddressesTest {

    private static final HostAndPort LAN = new HostAndPort("192.168.1.20", 5000);
    private static final HostAndPort LOOP = new HostAndPort("127.0.0.1", 5000);
    private static final HostAndPort SEEN = new HostAndPort("203.0.113.9", 5000);
    private static final HostAndPort RELAY = new HostAndPort("198.51.100.7", 4001);

    @Test
    void candidatesUntilKnownThenOnlyVerifiedAddressesAndNoneWhenPrivate() {
        List<HostAndPort> candidates = List.of(LAN, LOOP);
        assertThat(OwnAddresses.direct(candidates, false, Status.UNKNOWN, List.of())).containsExactly(LAN, LOOP);
        assertThat(OwnAddresses.direct(candidates, false, Status.PUBLIC, List.of(SEEN))).containsExactly(SEEN);
        assertThat(OwnAddresses.direct(candidates, false, Status.PRIVATE, List.of())).isEmpty();
        // the operator's --advertise is an explicit claim, whatever AutoNAT says
        assertThat(OwnAddresses.direct(List.of(SEEN), true, Status.PRIVATE, List.of())).containsExactly(SEEN);
    }

    @Test
    void theRecordIsSignedAnewWithAHigherSeqnoOnlyWhenWhatIsAdvertisedChanges() {
        NodeIdentity id = NodeIdentity.generate();
        AtomicLong micros = new AtomicLong(1_000);
        OwnAddresses own = new OwnAddresses(id, "alice", false, micros::get);
        PeerAddresses addresses = new PeerAddresses(LOOP, LOOP, List.of());

        assertThat(own.update(addresses, Status.UNKNOWN, List.of(), List.of())).isTrue();
        PeerRecords.Verified first = PeerRecords.verify(own.record()).orElseThrow();
        assertThat(first.seqno()).isEqualTo(1_000);
        assertThat(first.addrs()).containsExactly(LOOP);
        assertThat(own.update(addresses, Status.UNKNOWN, List.of(), List.of())).isFalse();

        // private, with a reservation: only the relayed address; the clock did not move, the seqno does
        assertThat(own.update(addresses, Status.PRIVATE, List.of(), List.of(RELAY))).isTrue();
        PeerRecords.Verified second = PeerRecords.verify(own.record()).orElseThrow();
        assertThat(second.seqno()).isEqualTo(1_001);
        assertThat(second.addrs()).isEmpty();
        assertThat(second.relays()).containsExactly(RELAY);
        assertThat(addresses.advertised()).as("the Welcome's addresses").isEmpty();

        micros.set(5_000);
        assertThat(own.update(addresses, Status.PUBLIC, List.of(LOOP), List.of())).isTrue();
        PeerRecords.Verified third = PeerRecords.verify(own.record()).orElseThrow();
        assertThat(third.seqno()).isEqualTo(5_000);
        assertThat(third.addrs()).containsExactly(LOOP);
        assertThat(third.relays()).isEmpty();
        assertThat(addresses.advertised()).containsExactly(LOOP);
    }
}
