package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.gossip.SignedGossip;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.session.PeerChannelInitializer;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.session.SessionHandler;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.session.SessionListener;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.proto.Envelope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each abuse limit triggers, is logged, and hurts only the abuser. */
class AbuseLimitsTest {

    private final TestNodes net = new TestNodes();
    private final EventLoopGroup rawGroup = Transport.best().newEventLoopGroup(1, "lazy-peer");
    @RegisterExtension
    final LogCapture logs = new LogCapture("io.nexo.p2p");

    @AfterEach
    void close() {
        net.close();
        rawGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private boolean logged(String fragment) {
        return logs.count(fragment) > 0;
    }

    @Test
    void connectionsPerIpOverTheLimitAreClosed() throws Exception {
        PeerNode alice = net.start(TestNodes.config("alice")
                .withDiscovery(TestNodes.config("x").discovery().withMaxConnectionsPerIp(2)));
        int port = alice.listenAddress().port();
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            try (Socket c = new Socket("127.0.0.1", port)) {
                c.setSoTimeout(5_000);
                assertThat(c.getInputStream().read()).isEqualTo(-1); // closed by the node at once
            }
            // the first two are still open (waiting for their TLS handshake): nothing, no close
            assertThat(staysOpenAndSilent(a)).isTrue();
            assertThat(staysOpenAndSilent(b)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> logged("over 2 connections from that address"));
            // the limit counts live connections: one closed, a new one is admitted
            a.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try (Socket d = new Socket("127.0.0.1", port)) {
                    return staysOpenAndSilent(d);
                }
            });
        }
    }

    /** True when nothing (no byte, no close) arrives on {@code s} within 200 ms. */
    private static boolean staysOpenAndSilent(Socket s) throws Exception {
        s.setSoTimeout(200);
        try {
            s.getInputStream().read(); // a byte or an EOF: not silent
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        }
    }

    /**
     * A peer of the test's own sends exactly 50 chat messages at once and nothing else that the rate
     * counts: the node takes exactly the burst of 10 plus what refilled (5/s) while it read them,
     * measured up to a Ping the node answers after reading the last one. An honest peer is still heard.
     */
    @Test
    void messagesOverThePerPeerRateAreDroppedAndLogged() throws Exception {
        PeerNode alice = net.start(TestNodes.config("alice")
                .withLimits(SessionLimits.defaults().withRate(5, 10)));
        PeerNode bob = net.start("bob", alice);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1);
        try (HostilePeer mallory = HostilePeer.connect(alice.listenAddress(), HostilePeer.options().withAnswerPings(true))) {
            // signed before the clock starts (genuine broadcasts of mallory's): the test is about the
            // rate, not about forgeries, which would cost mallory its session
            List<Envelope> flood = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                flood.add(Envelope.newBuilder().setGossip(SignedGossip.sign(mallory.identity(), "mallory", i,
                        System.currentTimeMillis(), "chat", ByteString.copyFromUtf8("flood " + i))).build());
            }
            long start = System.nanoTime();
            for (Envelope e : flood) {
                mallory.write(e);
            }
            mallory.flush();
            assertThat(mallory.ping(Duration.ofSeconds(10))).as("alice has read (and rate-checked) all 50").isTrue();
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(alice.peers()).hasSize(2); // also: alice's control thread handled what passed
            List<String> got = net.events(alice).chatTexts().stream().filter(t -> t.startsWith("flood ")).toList();
            assertThat(got.size()).isBetween(10, 10 + (int) Math.ceil(seconds * 5));
            // the first ones pass, in order; the rest is dropped, not queued for later
            assertThat(got.subList(0, 10)).containsExactly(
                    "flood 0", "flood 1", "flood 2", "flood 3", "flood 4",
                    "flood 5", "flood 6", "flood 7", "flood 8", "flood 9");
            assertThat(logged("exceeds 5 messages/s")).isTrue();
            assertThat(mallory.isOpen()).as("dropped messages, kept the peer").isTrue();
            // the limit is per peer: bob, who sent nothing, is heard at once
            bob.broadcast("honest bob");
            await().atMost(Duration.ofSeconds(5)).until(() -> net.events(alice).chatTexts().contains("honest bob"));
        }
    }

    @Test
    void aPeerThatStopsReadingIsDroppedWhenItsQueueIsFull() {
        SessionLimits small = SessionLimits.defaults().withMaxFrameBytes(128 * 1024).withMaxOutboundQueueBytes(256 * 1024);
        PeerNode alice = net.start(TestNodes.config("alice").withLimits(small)
                .withDiscovery(DiscoveryParams.defaults().withDegree(0, 10)));
        NodeIdentity lazyId = NodeIdentity.generate();
        AtomicReference<PeerSession> lazy = new AtomicReference<>();
        SessionListener stopsReading = new SessionListener() {
            @Override
            public void onEstablished(PeerSession session) {
                session.channel().config().setAutoRead(false); // never reads again
                lazy.set(session);
            }

            @Override
            public void onEnvelope(PeerSession session, Envelope envelope) {
            }

            @Override
            public void onBinary(PeerSession session, BinaryFrame frame) {
                frame.release();
            }

            @Override
            public void onHandshakeFailed(Channel channel, boolean outbound, String reason) {
            }

            @Override
            public void onClosed(PeerSession session, String reason) {
            }
        };
        new Bootstrap().group(rawGroup).channel(Transport.best().socketChannelClass())
                .handler(new PeerChannelInitializer(new PeerTls(lazyId),
                        new SessionHandler.LocalInfo(lazyId.peerId(), "lazy", List.of(), Optional.empty()),
                        SessionLimits.defaults(), stopsReading, true, Optional.empty()))
                .connect(alice.listenAddress().toSocketAddress()).syncUninterruptibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1 && lazy.get() != null);

        byte[] big = new byte[100 * 1024];
        List<String> sent = new ArrayList<>();
        PeerSession atAlice = alice.session(lazyId.peerId()).orElseThrow();
        // publish until alice decides to drop it (the close itself then waits for TLS close_notify)
        for (int i = 0; i < 400 && atAlice.closeReason() == null; i++) {
            sent.add(alice.publish("bulk", big));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().isEmpty());
        // dropped for its queue, not for anything else: the event says why
        List<PeerEvent.PeerDisconnected> gone = net.events(alice).events.stream()
                .filter(e -> e instanceof PeerEvent.PeerDisconnected).map(e -> (PeerEvent.PeerDisconnected) e).toList();
        assertThat(gone).hasSize(1);
        assertThat(gone.get(0).peer().id()).isEqualTo(lazyId.peerId());
        assertThat(gone.get(0).reason()).isEqualTo("outbound queue over 262144 bytes (not reading)");
        // every publish was a distinct message; more than the queue holds were needed to trip it
        // (two of 100 KiB fit in 256 KiB), and the bound tripped well before the 400 the loop allows
        assertThat(sent).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).hasSize(32));
        assertThat(sent.size()).isBetween(3, 399);
    }
}
