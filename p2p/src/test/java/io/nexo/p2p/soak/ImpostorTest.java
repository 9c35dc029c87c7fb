package io.nexo.p2p.soak;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.LogCapture;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.tls.NetworkKey;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.FrameDecoder;
import io.nexo.p2p.wire.FrameEncoder;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.Welcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Impostors: a peer with another key than the one pinned, a replay of a genuine node's recorded
 * handshake, a node with the wrong network key, a stranger probing a closed network, a plaintext peer. Each is rejected, logged exactly
 * once (one WARN line per attempt, no storm and no silence), and leaves no session and no
 * descriptor behind.
 */
class ImpostorTest {

    /** Descriptors a JVM may open meanwhile on its own (a lazily loaded jar, a timer's pipe). */
    private static final int FD_SLACK = 4;

    private final TestNodes net = new TestNodes();
    @RegisterExtension
    final LogCapture logs = new LogCapture("io.nexo.p2p");

    @AfterEach
    void close() {
        net.close();
    }

    /** Rejection lines ("rejected inbound|outbound ...: reason") with {@code direction} and {@code fragment}. */
    private long rejections(String direction, String fragment) {
        return logs.messages().stream()
                .filter(m -> m.startsWith("rejected " + direction) && m.contains(fragment)).count();
    }

    /** Exactly one such rejection line, and still one a moment later (no retry storm). */
    private void loggedOnce(String direction, String fragment) {
        await().atMost(Duration.ofSeconds(5)).until(() -> rejections(direction, fragment) >= 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> rejections(direction, fragment) == 1);
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static void awaitFdsBackTo(long before) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(openFds()).as("open descriptors (before: %d)", before).isLessThanOrEqualTo(before + FD_SLACK));
    }

    @Test
    void aKeyOtherThanThePinnedOneIsRejected() throws Exception {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob");
        PeerNode carol = net.start("carol");
        long fds = openFds();

        // carol pins bob's id but the address is alice's: alice's certificate proves another key
        assertThatThrownBy(() -> carol.connect(DialTarget.of(bob.peerId(), alice.listenAddress())).join())
                .isInstanceOf(CompletionException.class);
        loggedOnce("outbound", "but " + bob.peerId() + " was pinned");
        assertThat(carol.peers()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.peers().isEmpty());
        awaitFdsBackTo(fds);
    }

    @Test
    void aReplayedHandshakeIsRejected() throws Exception {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob");
        // bob dials alice through a relay that records what bob sends: a genuine, complete handshake
        try (RecordingRelay relay = new RecordingRelay(alice.listenAddress())) {
            PeerInfo seen = bob.connect(DialTarget.of(alice.peerId(), relay.address())).join();
            assertThat(seen.id()).isEqualTo(alice.peerId());
            await().atMost(Duration.ofSeconds(5)).until(() -> alice.peers().size() == 1);
            byte[] recorded = relay.clientBytes();
            assertThat(recorded.length).as("recorded handshake bytes").isGreaterThan(500);
            long fds = openFds();

            // the attacker replays bob's bytes verbatim on a new connection: TLS 1.3 gives the new
            // session fresh keys, so the recorded Finished and records cannot verify
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.connect(alice.listenAddress().toSocketAddress(), 5_000);
                try {
                    s.getOutputStream().write(recorded);
                } catch (IOException alreadyClosed) {
                    // alice may close before the whole recording is written: also a rejection
                }
                drain(s.getInputStream());
            }
            loggedOnce("inbound", "TLS");
            assertThat(alice.peers()).extracting(PeerInfo::id).containsExactly(bob.peerId());
            awaitFdsBackTo(fds);
        }
    }

    @Test
    void aWrongNetworkKeyIsRejected() throws Exception {
        NetworkKey key = new NetworkKey("the members' secret, 32 bytes...".getBytes(StandardCharsets.UTF_8));
        NetworkKey wrong = new NetworkKey("a guess at that secret, 32 bytes".getBytes(StandardCharsets.UTF_8));
        PeerNode alice = net.start(TestNodes.config("alice").withNetworkKey(key));
        PeerNode stranger = net.start(TestNodes.config("stranger").withNetworkKey(wrong));
        long fds = openFds();

        assertThatThrownBy(() -> stranger.connect(DialTarget.of(alice.listenAddress())).join())
                .isInstanceOf(CompletionException.class);
        // alice (closed network, accepting) checks the stranger's proof before she says who she is,
        // then says only why she closes
        loggedOnce("inbound", "network key differs");
        loggedOnce("outbound", "network key differs");
        assertThat(alice.peers()).isEmpty();
        assertThat(stranger.peers()).isEmpty();
        awaitFdsBackTo(fds);
    }

    @Test
    void aStrangerLearnsNoNameOrAddressOfAClosedNetwork() throws Exception {
        NetworkKey key = new NetworkKey("the members' secret, 32 bytes...".getBytes(StandardCharsets.UTF_8));
        PeerNode alice = net.start(TestNodes.config("alice").withNetworkKey(key));
        NodeIdentity stranger = NodeIdentity.generate();
        List<Envelope> received = new CopyOnWriteArrayList<>();
        EventLoopGroup group = Transport.best().newEventLoopGroup(1, "stranger");
        try {
            // a hand-made client: genuine TLS with a key of its own, a well-formed Hello, and a
            // Welcome whose proof is 32 random bytes
            Channel ch = new Bootstrap().group(group).channel(Transport.best().socketChannelClass())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new PeerTls(stranger).newHandler(c.alloc(), true, Duration.ofSeconds(10)),
                                    new FrameDecoder(1 << 20), FrameEncoder.INSTANCE,
                                    new StrangerHandler(stranger, received));
                        }
                    })
                    .connect(alice.listenAddress().toSocketAddress()).syncUninterruptibly().channel();
            assertThat(ch.closeFuture().await(10, TimeUnit.SECONDS)).as("alice closed the connection").isTrue();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        loggedOnce("inbound", "network key differs");
        assertThat(received).as("all alice said").extracting(Envelope::getBodyCase)
                .containsExactly(Envelope.BodyCase.HELLO, Envelope.BodyCase.GOODBYE);
        assertThat(received.get(1).getGoodbye().getReason()).isEqualTo("network key refused");
        Hello hello = received.get(0).getHello();
        assertThat(hello.getPeerId()).isEqualTo(alice.peerId().value()); // in her certificate anyway
        assertThat(hello.getNonce().size()).isEqualTo(32);
        assertThat(hello.getUnknownFields().asMap()).as("nothing else in Hello").isEmpty();
        assertThat(alice.peers()).isEmpty();
    }

    /** Speaks the handshake as a stranger would: Hello at once, a forged Welcome after alice's Hello. */
    private static final class StrangerHandler extends ChannelInboundHandlerAdapter {
        private final NodeIdentity id;
        private final List<Envelope> received;

        StrangerHandler(NodeIdentity id, List<Envelope> received) {
            this.id = id;
            this.received = received;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
                ctx.writeAndFlush(Envelope.newBuilder().setHello(Hello.newBuilder()
                        .setProtocolVersion(WireFormat.PROTOCOL_VERSION).setPeerId(id.peerId().value())
                        .setNonce(ByteString.copyFrom(random(32)))).build());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Envelope env) {
                received.add(env);
                if (env.hasHello()) {
                    ctx.writeAndFlush(Envelope.newBuilder().setWelcome(Welcome.newBuilder()
                            .setNetworkProof(ByteString.copyFrom(random(32))).setName("stranger")).build());
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private static byte[] random(int n) {
            byte[] b = new byte[n];
            new SecureRandom().nextBytes(b);
            return b;
        }
    }

    @Test
    void aPlaintextPeerIsRejected() throws Exception {
        PeerNode alice = net.start("alice");
        long fds = openFds();
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(alice.listenAddress().toSocketAddress(), 5_000);
            OutputStream out = s.getOutputStream();
            out.write("hi, it's the seed's chat\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            drain(s.getInputStream());
        }
        loggedOnce("inbound", "not an SSL/TLS record");
        assertThat(alice.peers()).isEmpty();
        assertThat(net.events(alice).chatTexts()).isEmpty();
        awaitFdsBackTo(fds);
    }

    /** Reads until the node closes the connection (a TLS alert at most comes first). */
    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (java.net.SocketException reset) {
            // closed with a reset: rejected all the same
        }
    }

    /** Forwards one TCP connection to {@code target}, keeping a copy of what the client sent. */
    private static final class RecordingRelay implements AutoCloseable {
        private final ServerSocket server;
        private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        private final Thread acceptor;
        private volatile Socket client;
        private volatile Socket upstream;

        RecordingRelay(HostAndPort target) throws IOException {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    client = server.accept();
                    upstream = new Socket();
                    upstream.connect(target.toSocketAddress(), 5_000);
                    Thread back = new Thread(() -> pump(upstream, client, null), "relay-back");
                    back.setDaemon(true);
                    back.start();
                    pump(client, upstream, fromClient);
                } catch (IOException e) {
                    // closed
                }
            }, "relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        HostAndPort address() {
            return HostAndPort.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        }

        byte[] clientBytes() {
            synchronized (fromClient) {
                return fromClient.toByteArray();
            }
        }

        private static void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
            byte[] buf = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (copy != null) {
                        synchronized (copy) {
                            copy.write(buf, 0, n);
                        }
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : new Socket[] {client, upstream}) {
                if (s != null) {
                    s.close();
                }
            }
            try {
                acceptor.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
