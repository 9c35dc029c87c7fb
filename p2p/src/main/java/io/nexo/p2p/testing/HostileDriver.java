package io.nexo.p2p.testing;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.Pong;
import io.nexo.p2p.wire.proto.Welcome;

import javax.net.ssl.SSLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The connection and handshake side of a {@link HostilePeer}: after TLS, speaks the hello exchange
 * like a genuine node (Hello, then its Welcome, or exactly the one the test made), unless the test
 * speaks it itself; then hands everything the node sends to {@link NodeOutput}, answering pings only
 * when asked to.
 */
final class HostileDriver extends ChannelInboundHandlerAdapter {

    private final HostilePeer.Options options;
    private final byte[] nonce;
    private final boolean handshake;
    private final NodeOutput output;
    private final AtomicReference<PeerId> nodeId;
    private final CompletableFuture<Void> tlsDone;
    private final CompletableFuture<Welcome> established;

    /**
     * @param handshake  false: stop after TLS ({@link HostilePeer#connectTlsOnly}), the test speaks next
     * @param nodeId     set to the node's id once its certificate proved it
     */
    HostileDriver(HostilePeer.Options options, byte[] nonce, boolean handshake, NodeOutput output,
                  AtomicReference<PeerId> nodeId, CompletableFuture<Void> tlsDone,
                  CompletableFuture<Welcome> established) {
        this.options = options;
        this.nonce = nonce;
        this.handshake = handshake;
        this.output = output;
        this.nodeId = nodeId;
        this.tlsDone = tlsDone;
        this.established = established;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                established.completeExceptionally(done.cause());
                ctx.close();
                return;
            }
            try {
                nodeId.set(PeerTls.peerIdOf(ctx.pipeline().get(SslHandler.class).engine().getSession()));
            } catch (SSLException e) {
                established.completeExceptionally(e);
                ctx.close();
                return;
            }
            tlsDone.complete(null);
            if (!handshake) {
                return; // connectTlsOnly: the test speaks next
            }
            ctx.writeAndFlush(Envelope.newBuilder().setHello(Hello.newBuilder()
                    .setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                    .setPeerId(options.identity().peerId().value())
                    .setNonce(ByteString.copyFrom(nonce))).build());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Envelope env)) {
            try {
                if (msg instanceof BinaryFrame frame) {
                    output.binary(frame);
                } else {
                    output.otherBinary();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (env.hasGoodbye()) {
            output.goodbye(env.getGoodbye().getReason());
        }
        if (!established.isDone() && handshake) {
            if (env.hasHello()) {
                ctx.writeAndFlush(Envelope.newBuilder().setWelcome(welcome(env.getHello())).build());
                return;
            }
            if (env.hasWelcome()) {
                established.complete(env.getWelcome());
                return;
            }
        }
        if (options.answerPings() && env.hasPing()) {
            ctx.writeAndFlush(Envelope.newBuilder().setPong(Pong.newBuilder().setSeq(env.getPing().getSeq())).build());
        }
        output.envelope(env);
    }

    private Welcome welcome(Hello nodeHello) {
        if (options.welcomeOverride().isPresent()) {
            return options.welcomeOverride().get();
        }
        Welcome.Builder w = Welcome.newBuilder().setName(options.name()).addAllListenAddrs(options.listenAddrs())
                .setStartedAtMillis(System.currentTimeMillis());
        options.networkKey().ifPresent(k -> w.setNetworkProof(ByteString.copyFrom(
                k.proof(nodeHello.getNonce().toByteArray(), options.identity().peerId(), nodeId.get()))));
        return w.build();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
            output.oversized();
        }
        ctx.close();
    }
}
