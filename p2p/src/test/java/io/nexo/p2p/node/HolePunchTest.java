package io.nexo.p2p.node;

import io.nexo.p2p.session.PeerSession;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hole punching between two real nodes on loopback, coordinated (CONNECT, SYNC) over their first
 * session, which both sides treat as relayed: the punched connection replaces it on both sides,
 * nobody sees the peer leave, and a direct message after the move arrives exactly once. Without NAT
 * one side's SYN may reach the other's listener first instead of crossing: the accepted connection
 * takes the agreed TLS role, so that works too. In a real NAT: HolePunchLabTest.
 */
class HolePunchTest {

    @Test
    void aPunchMovesThePeerFromTheRelayedSessionToADirectOne() throws Exception {
        try (TestNodes net = new TestNodes()) {
            PeerNode a = net.start(TestNodes.nonDialling("alice"));
            PeerNode b = net.start(TestNodes.nonDialling("bob"));
            TestNodes.connect(a, b);
            PeerSession relayedA = a.session(b.peerId()).orElseThrow();
            PeerSession relayedB = b.session(a.peerId()).orElseThrow();
            a.nat().punching().relayed(s -> s == relayedA);
            b.nat().punching().relayed(s -> s == relayedB);
            a.nat().punching().ownAddrs(List.of(a.listenAddress()));
            b.nat().punching().ownAddrs(List.of(b.listenAddress()));
            assertThat(a.isHolePunched(b.peerId())).isFalse();

            assertThat(a.holePunch(b.peerId()).get(20, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(10)).until(() -> b.isHolePunched(a.peerId()));
            assertThat(a.isHolePunched(b.peerId())).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !relayedA.isOpen() && !relayedB.isOpen());
            assertThat(a.peers()).extracting(PeerInfo::id).containsExactly(b.peerId());
            assertThat(b.peers()).extracting(PeerInfo::id).containsExactly(a.peerId());
            assertThat(net.events(a).disconnected()).isEmpty();
            assertThat(net.events(b).disconnected()).isEmpty();
            net.directMillis(a, b, "after the punch", Duration.ofSeconds(10));
            assertThat(net.events(b).directTexts()).containsOnlyOnce("alice: after the punch");
        }
    }

    /** A connection is "relayed" here unless it joins the two listening ports (as a punched one does). */
    private static boolean relayed(PeerSession s, PeerNode self, PeerNode peer) {
        return !(((InetSocketAddress) s.channel().localAddress()).getPort() == self.listenAddress().port()
                && ((InetSocketAddress) s.channel().remoteAddress()).getPort() == peer.listenAddress().port());
    }

    @Test
    void aRelayedSessionStartsThePunchByItself() {
        try (TestNodes net = new TestNodes()) {
            PeerNode a = net.start(TestNodes.nonDialling("alice"));
            PeerNode b = net.start(TestNodes.nonDialling("bob"));
            a.nat().punching().relayed(s -> relayed(s, a, b));
            b.nat().punching().relayed(s -> relayed(s, b, a));
            a.nat().punching().ownAddrs(List.of(a.listenAddress()));
            b.nat().punching().ownAddrs(List.of(b.listenAddress()));
            TestNodes.connect(a, b);
            await().atMost(Duration.ofSeconds(20)).until(() -> a.isHolePunched(b.peerId()) && b.isHolePunched(a.peerId()));
            assertThat(a.peers()).extracting(PeerInfo::id).containsExactly(b.peerId());
            assertThat(b.peers()).extracting(PeerInfo::id).containsExactly(a.peerId());
            assertThat(net.events(a).disconnected()).isEmpty();
            assertThat(net.events(b).disconnected()).isEmpty();
        }
    }

    @Test
    void withoutAddressesThePeerStaysOnItsSession() throws Exception {
        try (TestNodes net = new TestNodes()) {
            PeerNode a = net.start(TestNodes.nonDialling("alice"));
            PeerNode b = net.start(TestNodes.nonDialling("bob"));
            TestNodes.connect(a, b);
            PeerSession relayedA = a.session(b.peerId()).orElseThrow();
            a.nat().punching().relayed(s -> s == relayedA);
            a.nat().punching().ownAddrs(List.of(a.listenAddress()));
            // bob offers no address: every attempt ends at once, the session stays
            assertThat(a.holePunch(b.peerId()).get(20, TimeUnit.SECONDS)).isFalse();
            assertThat(a.session(b.peerId())).contains(relayedA);
            assertThat(a.isHolePunched(b.peerId())).isFalse();
        }
    }
}
