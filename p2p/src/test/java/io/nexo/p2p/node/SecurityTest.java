package io.nexo.p2p.node;

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
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.tls.NetworkKey;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.WireFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What a node refuses: impostors, outsiders of a closed network, plaintext, bad frames. */
class SecurityTest {

    private final TestNodes net = new TestNodes();
    private final EventLoopGroup rawGroup = Transport.best().newEventLoopGroup(1, "raw-client");

    @AfterEach
    void close() {
        net.close();
        rawGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void pinnedPeerIdThatDiffersIsRejected() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob");
        PeerNode carol = net.start("carol");
        // carol expects bob but dials alice's address: alice's certificate proves another id
        assertThatThrownBy(() -> carol.connect(DialTarget.of(bob.peerId(), alice.listenAddress())).join())
                .hasCauseInstanceOf(PeerException.class)
                .cause().hasMessage("peer proved id " + alice.peerId() + " but " + bob.peerId() + " was pinned");
        assertThat(carol.peers()).isEmpty();
        // the right pin works
        assertThat(carol.connect(DialTarget.of(alice.peerId(), alice.listenAddress())).join().id()).isEqualTo(alice.peerId());
    }

    @Test
    void closedNetworkRejectsNodesWithoutTheSameKey() {
        NetworkKey key = new NetworkKey("correct horse battery staple".getBytes(StandardCharsets.UTF_8));
        NetworkKey other = new NetworkKey("another network entirely....".getBytes(StandardCharsets.UTF_8));
        PeerNode alice = net.start(TestNodes.config("alice").withNetworkKey(key));
        PeerNode outsider = net.start("outsider");
        PeerNode stranger = net.start(TestNodes.config("stranger").withNetworkKey(other));
        PeerNode member = net.start(TestNodes.config("member").withNetworkKey(key));

        assertThatThrownBy(() -> outsider.connect(DialTarget.of(alice.listenAddress())).join())
                .hasCauseInstanceOf(PeerException.class)
                .cause().hasMessage("peer is in a closed network (it has a network key, this node has none)");
        assertThatThrownBy(() -> stranger.connect(DialTarget.of(alice.listenAddress())).join())
                .hasCauseInstanceOf(PeerException.class)
                .cause().hasMessage("peer's network key differs");
        assertThat(member.connect(DialTarget.of(alice.listenAddress())).join().id()).isEqualTo(alice.peerId());
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.peers().size() == 1);
        assertThat(alice.peers().get(0).id()).isEqualTo(member.peerId());
    }

    @Test
    void plaintextClientIsRejectedByADefaultNode() throws Exception {
        PeerNode alice = net.start("alice");
        try (Socket s = new Socket("127.0.0.1", alice.listenAddress().port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("hello, is this the chat?\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            // the node answers with a TLS alert at most, then closes: never a chat line
            byte[] buf = new byte[1024];
            int total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
                assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).doesNotContain("hello");
            }
            assertThat(total).isLessThan(64);
        }
        assertThat(alice.peers()).isEmpty();
        assertThat(net.events(alice).chatTexts()).isEmpty();
    }

    /** A client with a valid TLS identity that sends {@code frame} right after the handshake. */
    private Channel rawTlsClient(PeerNode target, Supplier<ByteBuf> frame) {
        PeerTls tls = new PeerTls(NodeIdentity.generate());
        return new Bootstrap().group(rawGroup).channel(Transport.best().socketChannelClass())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc(), true, Duration.ofSeconds(5)),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                                            ctx.writeAndFlush(frame.get());
                                        }
                                    }

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        io.netty.util.ReferenceCountUtil.release(msg);
                                    }
                                });
                    }
                }).connect(target.listenAddress().toSocketAddress()).syncUninterruptibly().channel();
    }

    @Test
    void oversizedOrGarbageFramesCloseOnlyThatConnection() {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob", alice);
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.peers().size() == 1);

        Channel oversized = rawTlsClient(alice, () -> Unpooled.buffer().writeInt(SessionLimits.DEFAULT_MAX_FRAME_BYTES + 100)
                .writeByte(WireFormat.KIND_ENVELOPE));
        Channel garbage = rawTlsClient(alice, () -> Unpooled.buffer().writeInt(5).writeByte(WireFormat.KIND_ENVELOPE)
                .writeInt(0xffffffff));
        Channel unknownKind = rawTlsClient(alice, () -> Unpooled.buffer().writeInt(2).writeByte(77).writeByte(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> !oversized.isActive() && !garbage.isActive()
                && !unknownKind.isActive());

        // the node and its good session are untouched
        assertThat(alice.peers()).extracting(PeerInfo::id).containsExactly(bob.peerId());
        bob.broadcast("still here");
        await().atMost(Duration.ofSeconds(5)).until(() -> net.events(alice).chatTexts().contains("still here"));
    }

    @Test
    void silentClientIsDroppedAfterTheHandshakeTimeout() {
        PeerNode alice = net.start(TestNodes.config("alice")
                .withLimits(SessionLimits.defaults().withHandshakeTimeout(Duration.ofMillis(500))));
        Channel silent = rawTlsClient(alice, Unpooled::buffer);
        await().atMost(Duration.ofSeconds(5)).until(() -> !silent.isActive());
        assertThat(alice.peers()).isEmpty();
    }
}
