package io.nexo.p2p.node;

import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionManagerTest {

    private final MutableClock clock = new MutableClock();
    private final Set<PeerId> pinned = new HashSet<>();

    private ConnectionManager manager(int maxInbound, int lowWater, int maxPeers) {
        return new ConnectionManager(new ConnectionLimits(maxInbound, lowWater, 16, Duration.ofSeconds(10)),
                maxPeers, clock, pinned::contains);
    }

    private static PeerId peer() {
        return NodeIdentity.generate().peerId();
    }

    private static InetAddress ip(String text) throws UnknownHostException {
        return InetAddress.getByName(text);
    }

    private PeerId inbound(ConnectionManager m, String ip) throws UnknownHostException {
        PeerId id = peer();
        assertThat(m.decide(id, false)).isEqualTo(new ConnectionManager.Decision(true, List.of()));
        m.added(id, false, ip(ip));
        clock.advance(Duration.ofMillis(1));
        return id;
    }

    @Test
    void trimsTheCrowdedSubnetYoungestFirstDownToTheLowWaterMark() throws Exception {
        ConnectionManager m = manager(4, 2, 50);
        PeerId b1 = inbound(m, "192.0.2.1");
        PeerId c1 = inbound(m, "198.51.100.1");
        PeerId a1 = inbound(m, "10.0.0.1");
        PeerId a2 = inbound(m, "10.0.0.2");
        clock.advance(Duration.ofSeconds(10));
        ConnectionManager.Decision d = m.decide(peer(), false);
        // the class comment's example: a2 (its /24 has two), then a1 (all tie, a1 youngest)
        assertThat(d).isEqualTo(new ConnectionManager.Decision(true, List.of(a2, a1)));
        assertThat(d.evict()).doesNotContain(b1, c1);
    }

    @Test
    void aFullNodeRefusesStrangersWhileEveryInboundPeerIsInItsGracePeriod() throws Exception {
        ConnectionManager m = manager(2, 1, 50);
        inbound(m, "10.0.0.1");
        inbound(m, "10.0.0.2");
        assertThat(m.decide(peer(), false)).isEqualTo(new ConnectionManager.Decision(false, List.of()));
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.decide(peer(), false).admit()).isTrue();
    }

    @Test
    void outboundAndPinnedSessionsTrimAnInboundPeerEvenInItsGracePeriod() throws Exception {
        ConnectionManager m = manager(40, 32, 3);
        PeerId out = peer();
        m.added(out, true, ip("127.0.0.1"));
        PeerId x = inbound(m, "10.0.0.1");
        PeerId y = inbound(m, "10.0.0.2");
        // full at max-peers 3: a stranger is refused, an outbound session trims the youngest inbound
        assertThat(m.decide(peer(), false).admit()).isFalse();
        assertThat(m.decide(peer(), true)).isEqualTo(new ConnectionManager.Decision(true, List.of(y)));
        PeerId bootstrap = peer();
        pinned.add(bootstrap);
        assertThat(m.decide(bootstrap, false)).isEqualTo(new ConnectionManager.Decision(true, List.of(y)));
        assertThat(m.inboundCount()).isEqualTo(2);
        assertThat(m.outboundCount()).isEqualTo(1);
        m.removed(x);
        assertThat(m.inboundCount()).isEqualTo(1);
    }

    @Test
    void protectedInboundPeersAndOutboundPeersAreNeverTrimmed() throws Exception {
        ConnectionManager m = manager(2, 0, 3);
        PeerId out = peer();
        m.added(out, true, ip("127.0.0.1"));
        PeerId keep = peer();
        pinned.add(keep);
        m.added(keep, false, ip("10.0.0.1"));
        PeerId other = inbound(m, "10.0.0.2");
        clock.advance(Duration.ofSeconds(60));
        assertThat(m.decide(peer(), false)).isEqualTo(new ConnectionManager.Decision(true, List.of(other)));
        m.removed(other);
        m.added(peer(), true, ip("127.0.0.1"));
        // now only the protected inbound peer and two outbound: nothing may go
        assertThat(m.decide(peer(), true)).isEqualTo(new ConnectionManager.Decision(false, List.of()));
    }

    private PeerId relayed(ConnectionManager m) throws UnknownHostException {
        PeerId id = peer();
        assertThat(m.decide(id, false, true)).isEqualTo(new ConnectionManager.Decision(true, List.of()));
        m.added(id, false, true, ip("203.0.113.9")); // the relay's address, for every relayed peer
        clock.advance(Duration.ofMillis(1));
        return id;
    }

    @Test
    void relayedPeersHaveABudgetOfTheirOwnAndTrimOnlyEachOther() throws Exception {
        ConnectionManager m = new ConnectionManager(new ConnectionLimits(1, 0, 16, Duration.ofSeconds(10), 3),
                50, clock, pinned::contains);
        PeerId direct = inbound(m, "10.0.0.1");
        // the direct inbound budget (1) is full, and all relayed peers share one address: three still get in
        relayed(m);
        PeerId r2 = relayed(m);
        PeerId r3 = relayed(m);
        assertThat(m.inboundCount()).isEqualTo(4);
        assertThat(m.relayedInboundCount()).isEqualTo(3);
        // a fourth: all three in their grace period, refused
        assertThat(m.decide(peer(), false, true)).isEqualTo(new ConnectionManager.Decision(false, List.of()));
        clock.advance(Duration.ofSeconds(10));
        // then the youngest relayed peer makes room, never the direct one
        assertThat(m.decide(peer(), false, true)).isEqualTo(new ConnectionManager.Decision(true, List.of(r3)));
        pinned.add(r3);
        assertThat(m.decide(peer(), false, true)).isEqualTo(new ConnectionManager.Decision(true, List.of(r2)));
        // a direct stranger trims direct peers only
        assertThat(m.decide(peer(), false)).isEqualTo(new ConnectionManager.Decision(true, List.of(direct)));
    }

    @Test
    void relayedPeersCountTowardsMaxPeers() throws Exception {
        ConnectionManager m = new ConnectionManager(new ConnectionLimits(40, 32, 16, Duration.ofSeconds(10), 16),
                3, clock, pinned::contains);
        m.added(peer(), true, ip("127.0.0.1"));
        PeerId r1 = relayed(m);
        PeerId r2 = relayed(m);
        // full at max-peers 3: neither a relayed nor a direct stranger gets in while the others are in grace
        assertThat(m.decide(peer(), false, true).admit()).isFalse();
        assertThat(m.decide(peer(), false).admit()).isFalse();
        // an outbound session trims a relayed peer when there is no direct inbound one, grace or not
        assertThat(m.decide(peer(), true)).isEqualTo(new ConnectionManager.Decision(true, List.of(r2)));
        clock.advance(Duration.ofSeconds(10));
        assertThat(m.decide(peer(), false, true)).isEqualTo(new ConnectionManager.Decision(true, List.of(r2)));
        m.removed(r1);
        assertThat(m.relayedInboundCount()).isEqualTo(1);
    }

    @Test
    void aNodeWithNoRelayedBudgetRefusesRelayedPeers() {
        ConnectionManager m = new ConnectionManager(ConnectionLimits.defaults().withMaxRelayedInbound(0), 50, clock,
                pinned::contains);
        assertThat(m.decide(peer(), false, true)).isEqualTo(new ConnectionManager.Decision(false, List.of()));
        assertThat(m.decide(peer(), false).admit()).isTrue();
    }

    @Test
    void ipv6PeersCountByTheirSlash64() throws Exception {
        assertThat(Subnet.of(ip("2001:db8:1:2:aaaa::1"))).isEqualTo(Subnet.of(ip("2001:db8:1:2:ffff::9")));
        assertThat(Subnet.of(ip("2001:db8:1:3::1"))).isNotEqualTo(Subnet.of(ip("2001:db8:1:2::1")));
        assertThat(Subnet.of(ip("::ffff:10.1.2.3"))).isEqualTo(Subnet.of(ip("10.1.2.200")));
        assertThat(Subnet.of(ip("10.1.2.3")).toString()).isEqualTo("10.1.2.0/24");
        assertThat(Subnet.of(ip("2001:db8:1:2::1")).toString()).isEqualTo("2001:db8:1:2::/64");
    }
}
