package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PeerNodeTest {

    private final TestNodes net = new TestNodes();

    @AfterEach
    void close() {
        net.close();
    }

    @Test
    void twoNodesChatBothWays() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1 && bob.peers().size() == 1);
        assertThat(alice.peers().get(0).id()).isEqualTo(bob.peerId());
        assertThat(alice.peers().get(0).name()).isEqualTo("bob");
        assertThat(bob.peers().get(0).outbound()).isTrue();

        alice.broadcast("hello bob");
        bob.broadcast("hi alice");
        await().atMost(Duration.ofSeconds(5)).until(() -> net.events(bob).chatTexts().contains("hello bob")
                && net.events(alice).chatTexts().contains("hi alice"));
        assertThat(net.events(bob).chatTexts()).containsExactly("hello bob");
        assertThat(net.events(alice).chatTexts()).containsExactly("hi alice");
        PeerEvent.MessageReceived m = net.events(bob).messages().get(0);
        assertThat(m.originId()).isEqualTo(alice.peerId());
        assertThat(m.originName()).isEqualTo("alice");
        assertThat(m.hops()).isEqualTo(1);
    }

    @Test
    void directMessageByNameAndById() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1);

        assertThat(alice.sendDirect("bob", "psst").join().id()).isEqualTo(bob.peerId());
        bob.sendDirect(alice.peerId().value(), "what").join();
        await().atMost(Duration.ofSeconds(5)).until(() -> net.events(bob).directTexts().size() == 1
                && net.events(alice).directTexts().size() == 1);
        assertThat(net.events(bob).directTexts()).containsExactly("alice: psst");
        assertThat(net.events(alice).directTexts()).containsExactly("bob: what");
        assertThat(net.events(bob).chatTexts()).isEmpty();
    }

    @Test
    void aSecondNodeOnATakenPortIsRefusedAsInUseThoughTheListenerSharesItsPortForHolePunching() {
        PeerNode alice = net.start("alice");
        HostAndPort taken = alice.listenAddress();
        PeerNodeConfig bob = PeerNodeConfig.of(NodeIdentity.generate(), "bob", taken);
        assertThatThrownBy(() -> net.start(bob)).isInstanceOf(PeerException.class)
                .hasMessage("cannot listen on " + taken + ": address in use");
        // alice still has her port to herself
        PeerNode carol = net.start("carol", alice);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1);
        assertThat(alice.peers().get(0).id()).isEqualTo(carol.peerId());
    }

    @Test
    void directMessageToUnknownPeerFailsClearly() {
        PeerNode alice = net.start("alice");
        assertThatThrownBy(() -> alice.sendDirect("carol", "hi").join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(PeerException.class)
                .cause().hasMessage("unknown peer 'carol' (see /peers)");
    }

    @Test
    void directMessageDialsFromTheAddressBook() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        PeerNode carol = net.start("carol", alice);
        // carol learns bob's address by peer exchange through alice, then reaches him directly
        await().atMost(Duration.ofSeconds(10)).until(() -> carol.knownPeers().stream()
                .anyMatch(e -> e.id().equals(bob.peerId())));
        carol.sendDirect(bob.peerId().value(), "found you").join();
        await().atMost(Duration.ofSeconds(5)).until(() -> net.events(bob).directTexts().contains("carol: found you"));
    }

    @Test
    void losingAPeerIsReported() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1);
        bob.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> net.events(alice).disconnected().equals(List.of(bob.peerId())));
        assertThat(alice.peers()).isEmpty();
    }

    @Test
    void connectReturnsThePeerAndRefusesSelf() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob");
        PeerInfo info = bob.connect(DialTarget.of(alice.listenAddress())).join();
        assertThat(info.id()).isEqualTo(alice.peerId());
        assertThatThrownBy(() -> bob.connect(DialTarget.of(bob.listenAddress())).join())
                .hasCauseInstanceOf(PeerException.class)
                .cause().hasMessageContaining("own address");
    }
}
