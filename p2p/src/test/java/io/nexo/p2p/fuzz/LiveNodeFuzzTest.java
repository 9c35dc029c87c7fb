package io.nexo.p2p.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
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
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.files.net.FileEvents;
import io.nexo.p2p.files.net.FileExchange;
import io.nexo.p2p.files.net.FileExchangeConfig;
import io.nexo.p2p.files.net.FileFrames;
import io.nexo.p2p.files.net.FileLimits;
import io.nexo.p2p.files.net.FileMessageLimits;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.node.RecordingListener;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.FrameDecoder;
import io.nexo.p2p.wire.FrameEncoder;
import io.nexo.p2p.wire.EnvelopeValidator;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.WireLimitException;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.Ping;
import io.nexo.p2p.wire.proto.Welcome;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * Each input has an expected outcome, decided here from the wire format alone (not by asking the
 * node's code): bytes that cannot be what the protocol allows at that point (an unparseable
 * envelope or files/1 message, a second Hello, a file id that is not 32 bytes, more unrequested
 * chunk blocks than the node tolerates...) must close that session; well-formed input, however odd its content, must be tolerated: the node answers the Ping
 * sent after it and keeps the session. A node that neither answers nor closes within 5 s is hung. In
 * the handshake the fuzzer cannot know the client's freshly generated key, so no input can be a
 * valid Hello: the node must close the connection (at once or at its handshake timeout) and never
 * count it as a peer. After every input an honest peer connected since the start must still have
 * the same session, and its broadcast must reach the node; after handshake inputs a new peer must
 * be able to join.
 *
 * <p>{@code mvn verify} replays the corpus in {@code src/test/resources/io/nexo/p2p/fuzz/
 * LiveNodeFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (see docs/security.md). The harness
 * connects to its node on loopback on purpose: with Jazzer's hooks on, disable its SSRF detector
 * ({@code -Djazzer.disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery}),
 * whose allowance cannot cover the connects Netty makes on its own threads.
 */
class LiveNodeFuzzTest {

    private static final Duration ANSWER = Duration.ofSeconds(5);
    /** Short, so that a handshake input the node waits out costs one second, not ten. */
    private static final Duration HANDSHAKE = Duration.ofSeconds(1);
    /** Type byte, file id, chunk index, offset: the files/1 block header (docs/p2p-protocol.md). */
    private static final int BLOCK_HEADER = 1 + 32 + 4 + 4;
    private static final EventLoopGroup GROUP = Transport.best().newEventLoopGroup(1, "fuzz-client");
    private static PeerNode node;
    private static FileExchange files;
    private static final RecordingListener heard = new RecordingListener();
    private static PeerNode honest;
    private static PeerSession honestSession;
    private static int probes;
    private static FuzzClient client;
    private static FuzzClient filesClient;
    @AfterAll
    static void stop() {
        for (FuzzClient c : new FuzzClient[] {client, filesClient}) {
            if (c != null) {
                c.channel.close().awaitUninterruptibly();
            }
        }
        if (honest != null) {
            honest.close();
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
            // with file exchange (files/1) on, sharing one small file, so that its frames reach real code;
            // a rate no input can reach, so that no message is dropped for rate and the oracle holds
            Path dataDir = Files.createTempDirectory("nexo-fuzz-node");
            FileExchange.NodeListener toFiles = new FileExchange.NodeListener();
            node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), "target", new HostAndPort("127.0.0.1", 0))
                    .withLimits(SessionLimits.defaults().withRate(1_000_000, 1_000_000).withHandshakeTimeout(HANDSHAKE)),
                    event -> {
                        heard.onEvent(event);
                        toFiles.onEvent(event);
                    });
            files = new FileExchange(node, FileExchangeConfig.defaults(dataDir), FileEvents.NONE);
            toFiles.bind(files);
            files.start();
            node.start();
            Path shared = Files.writeString(dataDir.resolve("shared.txt"), "nexo fuzz target\n".repeat(1000));
            files.share(shared);
            honest = new PeerNode(TestNodes.config("honest").withBootstrap(List.of(DialTarget.of(node.listenAddress()))),
                    event -> { });
            honest.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> node.session(honest.peerId()).isPresent());
            honestSession = node.session(honest.peerId()).orElseThrow();
        }
        return node;
    }

    @FuzzTest(maxDuration = "10s")
    void handshake(byte[] firstFrames) throws Exception {
        FuzzClient c = new FuzzClient(node(), false);
        try {
            c.established.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS); // TLS done
            c.channel.writeAndFlush(Unpooled.wrappedBuffer(firstFrames));
            if (!c.channel.closeFuture().await(HANDSHAKE.plus(ANSWER).toMillis())) {
                throw new AssertionError("the node kept a connection whose handshake cannot have succeeded");
            }
            assertThat(node.session(c.identity.peerId())).as("counted as a peer").isEmpty();
        } finally {
            c.channel.close().awaitUninterruptibly();
        }
        assertHonestPeerUnaffected();
        FuzzClient fresh = new FuzzClient(node(), true);
        try {
            fresh.established.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            fresh.channel.close().awaitUninterruptibly();
        }
    }

    @FuzzTest(maxDuration = "10s")
    void established(byte[] envelopeBody) throws Exception {
        if (client == null || !client.channel.isActive()) {
            client = new FuzzClient(node(), true);
            client.established.get(ANSWER.toMillis() * 2, TimeUnit.MILLISECONDS);
        }
        ByteBuf frame = Unpooled.buffer(5 + envelopeBody.length).writeInt(1 + envelopeBody.length)
                .writeByte(WireFormat.KIND_ENVELOPE).writeBytes(envelopeBody);
        sendThenPing(client, frame, envelopeMustClose(envelopeBody));
    }

    /**
     * File exchange: the fuzzer's bytes are the payload of a {@code files/1} binary frame (a type
     * byte, then a protobuf FileMessage or a block header and chunk data) sent to a node that shares
     * a file. A malformed one closes the session, and so does a block beyond the limit of
     * unrequested ones (this client requests nothing); nothing may escape or hang.
     */
    @FuzzTest(maxDuration = "10s")
    void files(byte[] payload) throws Exception {
        if (filesClient == null || !filesClient.channel.isActive()) {
            filesClient = new FuzzClient(node(), true);
            filesClient.established.get(ANSWER.toMillis() * 2, TimeUnit.MILLISECONDS);
        }
        boolean mustClose = filesMustClose(payload);
        if (!mustClose && payload[0] == 2) {
            // a well-formed block nobody asked for: dropped, and one more than the limit closes the session
            mustClose = ++filesClient.unrequestedBlocks > FileLimits.DEFAULT_MAX_UNREQUESTED_BLOCKS;
        }
        sendThenPing(filesClient, new BinaryFrame(FileFrames.PROTOCOL, Unpooled.wrappedBuffer(payload)), mustClose);
    }

    /**
     * An envelope the node must refuse: not protobuf, over a field bound, or a handshake message or
     * goodbye after the handshake. The bounds are the table of docs/p2p-protocol.md ("Bounds"),
     * checked value by value against hand-written cases in {@code EnvelopeValidatorTest}; here they
     * are applied through the validator.
     */
    static boolean envelopeMustClose(byte[] body) {
        Envelope env;
        try {
            env = EnvelopeValidator.check(Envelope.parseFrom(body));
        } catch (InvalidProtocolBufferException | WireLimitException e) {
            return true;
        }
        return switch (env.getBodyCase()) {
            case HELLO, WELCOME, GOODBYE -> true;
            default -> false;
        };
    }

    /**
     * A files/1 payload the node must refuse: empty, of an unknown type, a block shorter than its
     * header or with a negative index or offset, an unparseable message, or a message over a
     * files/1 bound (a file id that is not 32 bytes, too many offers...).
     */
    static boolean filesMustClose(byte[] p) {
        if (p.length == 0) {
            return true;
        }
        if (p[0] == 2) {
            if (p.length < BLOCK_HEADER + 1) {
                return true;
            }
            java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(p, 33, 8);
            return header.getInt() < 0 || header.getInt() < 0;
        }
        if (p[0] != 1) {
            return true;
        }
        FileMessage m;
        try {
            m = FileMessage.parseFrom(java.util.Arrays.copyOfRange(p, 1, p.length));
        } catch (InvalidProtocolBufferException e) {
            return true;
        }
        try {
            FileMessageLimits.check(m); // files/1 bounds (docs/p2p-protocol.md), tested in FileMessageLimitsTest
        } catch (IllegalArgumentException e) {
            return true;
        }
        ByteString id = switch (m.getBodyCase()) {
            case GET_MANIFEST -> m.getGetManifest().getId();
            case MANIFEST -> m.getManifest().getId();
            case GET_CHUNK -> m.getGetChunk().getId();
            case REFUSE -> m.getRefuse().getId();
            case CANCEL -> m.getCancel().getId();
            case GET_HAVE -> m.getGetHave().getId();
            case HAVE -> m.getHave().getId();
            default -> null;
        };
        return id != null && id.size() != 32;
    }

    /**
     * Sends {@code frame}, then a Ping: the node handles a session's frames in order, so it answers
     * the Ping only after the frame, and not at all when the frame closed the session.
     */
    private static void sendThenPing(FuzzClient c, Object frame, boolean mustClose) throws Exception {
        c.channel.write(frame);
        long seq = c.nextSeq++;
        c.channel.writeAndFlush(Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(seq)).build());
        long deadline = System.nanoTime() + ANSWER.toNanos();
        boolean answered = false;
        while (c.channel.isActive() && !answered) {
            Envelope in = c.received.poll(50, TimeUnit.MILLISECONDS);
            answered = in != null && in.hasPong() && in.getPong().getSeq() == seq;
            if (!answered && System.nanoTime() > deadline) {
                throw new AssertionError("the node neither answered nor closed within " + ANSWER);
            }
        }
        if (mustClose) {
            assertThat(answered).as("the node accepted input it must refuse").isFalse();
        } else {
            assertThat(answered).as("the node closed the session on well-formed input").isTrue();
        }
        assertHonestPeerUnaffected();
    }

    /** The honest peer keeps the session it had from the start, and its broadcast still arrives. */
    private static void assertHonestPeerUnaffected() {
        assertThat(node.session(honest.peerId())).as("the honest peer's session").containsSame(honestSession);
        String probe = "probe " + probes++;
        honest.broadcast(probe);
        await().atMost(ANSWER).until(() -> heard.chatTexts().contains(probe));
    }

    /**
     * A peer with its own valid identity speaking the real TLS; optionally it completes the handshake
     * (Hello, then Welcome without network proof) like a genuine node.
     */
    private static final class FuzzClient {
        final CompletableFuture<Void> established = new CompletableFuture<>();
        final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
        final Channel channel;
        final NodeIdentity identity = NodeIdentity.generate();
        long nextSeq = 1;
        /** Well-formed blocks sent on this session: the node requested none of them. */
        int unrequestedBlocks;

        FuzzClient(PeerNode target, boolean handshake) throws InterruptedException {
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
