package io.nexo.p2p.node;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.session.PeerChannelInitializer;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.session.SessionHandler;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.session.SessionListener;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.proto.Envelope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
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
                InputStream in = c.getInputStream();
                assertThat(in.read()).isEqualTo(-1); // closed by the node at once
            }
            a.setSoTimeout(200);
            // the first two are still open (waiting for their TLS handshake)
            assertThat(readTimesOut(a)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logged("over 2 connections from that address"));
    }

    private static boolean readTimesOut(Socket s) throws Exception {
        try {
            return s.getInputStream().read() >= 0;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        }
    }

    @Test
    void messagesOverThePerPeerRateAreDroppedAndLogged() {
        PeerNode alice = net.start(TestNodes.config("alice")
                .withLimits(SessionLimits.defaults().withRate(5, 10)));
        PeerNode bob = net.start("bob", alice);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1);
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            bob.broadcast("flood " + i);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        await().atMost(Duration.ofSeconds(5)).until(() -> logged("exceeds 5 messages/s"));
        // a burst of 10 plus 5/s while bob was sending; peer-exchange messages take a few tokens too
        int got = net.events(alice).chatTexts().size();
        assertThat(got).isBetween(5, 10 + (int) Math.ceil(seconds * 5));
        assertThat(alice.peers()).hasSize(1); // dropped messages, kept the peer
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
        for (int i = 0; i < 400 && !alice.peers().isEmpty(); i++) {
            sent.add(alice.publish("bulk", big));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().isEmpty());
        assertThat(logged("the peer is not reading")).isTrue();
        assertThat(net.events(alice).disconnected()).containsExactly(lazyId.peerId());
    }
}
