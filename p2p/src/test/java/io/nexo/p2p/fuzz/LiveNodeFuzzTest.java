package io.nexo.p2p.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
import io.nexo.p2p.files.net.FileEvents;
import io.nexo.p2p.files.net.FileExchange;
import io.nexo.p2p.files.net.FileExchangeConfig;
import io.nexo.p2p.files.net.FileFrames;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.FrameDecoder;
import io.nexo.p2p.wire.FrameEncoder;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.Ping;
import io.nexo.p2p.wire.proto.Welcome;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of a live node through its real network stack (loopback TLS 1.3, frame
 * decoder, session handler, node, gossip router, peer exchange, application dispatch):
 *
 * <ul>
 *   <li>{@link #handshake}: the fuzzer's bytes are the first frames a peer sends after TLS, where
 *       the node expects Hello and Welcome: the hello parser and the handshake state machine;
 *   <li>{@link #established}: after a correct handshake, the fuzzer's bytes are one frame body
 *       (kind 1, a protobuf Envelope: Gossip, IHave, Graft, Prune, Direct, peer exchange, App...):
 *       every message parser behind the session;
 *   <li>{@link #files}: the same for file exchange's {@code files/1} frames (its control messages
 *       and chunk blocks).
 * </ul>
 *
 * After each input the harness sends a Ping and waits for the Pong (or for the node to close the
 * session, a legitimate answer to garbage): a node that neither answers nor closes within 5 s is
 * hung, a finding. The node must also still accept new connections.
 *
 * <p>{@code mvn verify} replays the corpus in {@code src/test/resources/io/nexo/p2p/fuzz/
 * LiveNodeFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (see docs/security.md). The harness
 * connects to its node on loopback on purpose: with Jazzer's hooks on, disable its SSRF detector
 * ({@code -Djazzer.disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery}),
 * whose allowance cannot cover the connects Netty makes on its own threads.
 */
class LiveNodeFuzzTest {

    private static final Duration ANSWER = Duration.ofSeconds(5);
    private static final EventLoopGroup GROUP = Transport.best().newEventLoopGroup(1, "fuzz-client");
    private static PeerNode node;
    private static FileExchange files;
    private static FuzzClient client;
    private static FuzzClient filesClient;
    @AfterAll
    static void stop() {
        for (FuzzClient c : new FuzzClient[] {client, filesClient}) {
            if (c != null) {
                c.channel.close().awaitUninterruptibly();
            }
        }
        if (files != null) {
            files.close();
        }
        if (node != null) {
            node.close();
        }
        GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static PeerNode node() throws IOException {
        if (node == null) {
            // with file exchange (files/1) on, sharing one small file, so that its frames reach real code
            Path dataDir = Files.createTempDirectory("nexo-fuzz-node");
            FileExchange.NodeListener toFiles = new FileExchange.NodeListener();
            node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), "target", new HostAndPort("127.0.0.1", 0)),
                    toFiles);
            files = new FileExchange(node, FileExchangeConfig.defaults(dataDir), FileEvents.NONE);
            toFiles.bind(files);
            files.start();
            node.start();
            Path shared = Files.writeString(dataDir.resolve("shared.txt"), "nexo fuzz target\n".repeat(1000));
            files.share(shared);
        }
        return node;
    }

    @FuzzTest(maxDuration = "10s")
    void handshake(byte[] firstFrames) throws Exception {
        FuzzClient c = new FuzzClient(node(), false);
        try {
            c.established.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS); // TLS done
            c.channel.writeAndFlush(Unpooled.wrappedBuffer(firstFrames)).await(ANSWER.toMillis());
            // garbage is refused (closed) or awaited until the handshake timeout; either way the
            // node must still serve a correct peer
        } finally {
            c.channel.close().awaitUninterruptibly();
        }
        assertNodeAlive();
    }

    @FuzzTest(maxDuration = "10s")
    void established(byte[] envelopeBody) throws Exception {
        if (client == null || !client.channel.isActive()) {
            client = new FuzzClient(node(), true);
            client.established.get(ANSWER.toMillis() * 2, TimeUnit.MILLISECONDS);
        }
        ByteBuf frame = Unpooled.buffer(5 + envelopeBody.length).writeInt(1 + envelopeBody.length)
                .writeByte(WireFormat.KIND_ENVELOPE).writeBytes(envelopeBody);
        sendThenPing(client, frame);
    }

    /**
     * File exchange: the fuzzer's bytes are the payload of a {@code files/1} binary frame (a type
     * byte, then a protobuf FileMessage or a block header and chunk data) sent to a node that shares
     * a file. A malformed one closes the session; nothing may escape or hang.
     */
    @FuzzTest(maxDuration = "10s")
    void files(byte[] payload) throws Exception {
        if (filesClient == null || !filesClient.channel.isActive()) {
            filesClient = new FuzzClient(node(), true);
            filesClient.established.get(ANSWER.toMillis() * 2, TimeUnit.MILLISECONDS);
        }
        sendThenPing(filesClient, new BinaryFrame(FileFrames.PROTOCOL, Unpooled.wrappedBuffer(payload)));
    }

    /** Sends {@code frame}, then a Ping: the node answers it once it handled the frame, or closes. */
    private static void sendThenPing(FuzzClient c, Object frame) throws Exception {
        c.channel.write(frame);
        long seq = c.nextSeq++;
        c.channel.writeAndFlush(Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(seq)).build());
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (c.channel.isActive()) {
            Envelope in = c.received.poll(50, TimeUnit.MILLISECONDS);
            if (in != null && in.hasPong() && in.getPong().getSeq() == seq) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the node neither answered nor closed within " + ANSWER);
            }
        }
        assertNodeAlive();
    }

    private static void assertNodeAlive() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(node().listenAddress().toSocketAddress(), (int) ANSWER.toMillis());
            assertThat(s.isConnected()).isTrue();
        }
    }

    /**
     * A peer with its own valid identity speaking the real TLS; optionally it completes the handshake
     * (Hello, then Welcome without network proof) like a genuine node.
     */
    private static final class FuzzClient {
        final CompletableFuture<Void> established = new CompletableFuture<>();
        final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
        final Channel channel;
        long nextSeq = 1;

        FuzzClient(PeerNode target, boolean handshake) throws InterruptedException {
            NodeIdentity identity = NodeIdentity.generate();
            PeerTls tls = new PeerTls(identity);
            channel = new Bootstrap().group(GROUP).channel(Transport.best().socketChannelClass())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), true, ANSWER),
                                    new FrameDecoder(1 << 20), FrameEncoder.INSTANCE,
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt instanceof SslHandshakeCompletionEvent done) {
                                                if (!done.isSuccess()) {
                                                    established.completeExceptionally(done.cause());
                                                } else if (!handshake) {
                                                    established.complete(null);
                                                } else {
                                                    byte[] nonce = new byte[32];
                                                    ctx.writeAndFlush(Envelope.newBuilder().setHello(Hello.newBuilder()
                                                            .setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                                                            .setPeerId(identity.peerId().value())
                                                            .setNonce(ByteString.copyFrom(nonce))).build());
                                                }
                                            }
                                            ctx.fireUserEventTriggered(evt);
                                        }

                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            if (msg instanceof Envelope env) {
                                                if (handshake && env.hasHello()) {
                                                    ctx.writeAndFlush(Envelope.newBuilder()
                                                            .setWelcome(Welcome.newBuilder().setName("fuzzer")).build());
                                                } else if (handshake && env.hasWelcome()) {
                                                    established.complete(null);
                                                } else {
                                                    received.add(env);
                                                }
                                            } else {
                                                ReferenceCountUtil.release(msg);
                                            }
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            established.completeExceptionally(new IOException("closed"));
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            ctx.close();
                                        }
                                    });
                        }
                    }).connect(target.listenAddress().toSocketAddress()).sync().channel();
        }
    }
}
