package io.nexo.p2p.session;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Goodbye;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.Welcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The handshake of one connection, after TLS: proof of the peer id, Hello and Welcome (network
 * key), within the handshake timeout. When it succeeds it installs the handlers of the established
 * session ({@link FloodGuard}, {@link KeepAliveHandler}, {@link SessionHandler}) and leaves the
 * pipeline, as jvm-libp2p's protocol handlers do; every failure before that takes one path: log
 * with who and why, tell the listener, close this channel only.
 *
 * <pre>
 *   TLS done -> check cert id (pinned? self?) -> send Hello(id, nonce)
 *   Hello in -> check id matches cert         -> send Welcome(proof over peer's nonce, name, addresses)
 *   Welcome in -> verify proof                -> established: listener.onEstablished, handler removed
 * </pre>
 * In a closed network (network key) the accepting side sends its Welcome only after it verified the
 * dialler's, so a stranger learns nothing beyond the certificate's peer id.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HandshakeHandler.class);

    /** Goodbye reason of the accepting side of a closed network that refused the dialler's key. */
    static final String KEY_REFUSED = "network key refused";

    private enum State { TLS, AWAIT_HELLO, AWAIT_WELCOME, DONE }

    private final SessionHandler.LocalInfo local;
    private final SessionLimits limits;
    private final SessionListener listener;
    private final SessionMetrics metrics;
    private final ResourceManager resources;
    private final LongSupplier nanoTime;
    private final boolean outbound;
    private final Optional<PeerId> expectedPeer;
    private final byte[] nonce;

    private State state = State.TLS;
    private ScheduledFuture<?> handshakeTimer;
    private PeerId certifiedId;
    private Hello peerHello;

    HandshakeHandler(SessionHandler.LocalInfo local, SessionLimits limits, SessionListener listener,
                     SessionMetrics metrics, ResourceManager resources, LongSupplier nanoTime, boolean outbound,
                     Optional<PeerId> expectedPeer, byte[] nonce) {
        this.resources = resources;
        this.local = local;
        this.limits = limits;
        this.listener = listener;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
        this.outbound = outbound;
        this.expectedPeer = expectedPeer;
        this.nonce = nonce.clone();
    }

    private String who(ChannelHandlerContext ctx) {
        return (outbound ? "outbound " : "inbound ") + ctx.channel().remoteAddress()
                + (certifiedId != null ? " (" + certifiedId.shortId() + ")" : "");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startTimer(ctx); // added after the connection opened: behind a relay preamble or a sniffer
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startTimer(ctx);
        super.channelActive(ctx);
    }

    private void startTimer(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            return;
        }
        handshakeTimer = ctx.executor().schedule(() -> {
            if (state != State.DONE) {
                fail(ctx, "handshake not finished within " + limits.handshakeTimeout().toMillis() + " ms");
            }
        }, limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                fail(ctx, "TLS handshake failed: " + SessionFailures.rootMessage(done.cause()));
                return;
            }
            try {
                certifiedId = PeerTls.peerIdOf(ctx.pipeline().get(SslHandler.class).engine().getSession());
            } catch (SSLException e) {
                fail(ctx, "no peer certificate: " + e.getMessage());
                return;
            }
            if (expectedPeer.isPresent() && !expectedPeer.get().equals(certifiedId)) {
                fail(ctx, "peer proved id " + certifiedId + " but " + expectedPeer.get() + " was pinned");
                return;
            }
            if (certifiedId.equals(local.peerId())) {
                fail(ctx, "self-connection (this address is this node)");
                return;
            }
            state = State.AWAIT_HELLO;
            ctx.writeAndFlush(Envelope.newBuilder().setHello(Hello.newBuilder()
                    .setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                    .setPeerId(local.peerId().value())
                    .setNonce(ByteString.copyFrom(nonce))).build());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Envelope env)) {
            ReferenceCountUtil.release(msg);
            fail(ctx, "binary frame before the handshake finished");
            return;
        }
        switch (state) {
            case AWAIT_HELLO -> onHello(ctx, env);
            case AWAIT_WELCOME -> onWelcome(ctx, env);
            default -> fail(ctx, "unexpected " + env.getBodyCase() + " in state " + state);
        }
    }

    private void onHello(ChannelHandlerContext ctx, Envelope env) {
        if (!env.hasHello()) {
            fail(ctx, "expected Hello, got " + env.getBodyCase());
            return;
        }
        Hello hello = env.getHello();
        if (hello.getProtocolVersion() < 1) {
            fail(ctx, "unsupported protocol version " + hello.getProtocolVersion());
            return;
        }
        if (!certifiedId.value().equals(hello.getPeerId())) {
            fail(ctx, "Hello claims id " + hello.getPeerId() + " but the certificate proves " + certifiedId);
            return;
        }
        peerHello = hello;
        state = State.AWAIT_WELCOME;
        if (!welcomeAfterProof()) {
            sendWelcome(ctx);
        }
    }

    /**
     * In a closed network the accepting side holds its Welcome (name, addresses) until the dialler
     * proved the key: a stranger who connects learns the peer id of the certificate and nothing
     * else. One side has to speak first, and the dialler chose whom it dials (and may have pinned
     * the id), so it is the dialler. Open networks send both Welcomes at once.
     */
    private boolean welcomeAfterProof() {
        return !outbound && local.networkKey().isPresent();
    }

    private void sendWelcome(ChannelHandlerContext ctx) {
        byte[] proof = local.networkKey()
                .map(k -> k.proof(peerHello.getNonce().toByteArray(), local.peerId(), certifiedId))
                .orElse(new byte[0]);
        Welcome.Builder welcome = Welcome.newBuilder()
                .setNetworkProof(ByteString.copyFrom(proof))
                .setName(local.name())
                .setStartedAtMillis(System.currentTimeMillis());
        local.listenAddrs().forEach(a -> welcome.addListenAddrs(a.toString()));
        ctx.writeAndFlush(Envelope.newBuilder().setWelcome(welcome).build());
    }

    /**
     * Refuses a dialler's network-key proof. The accepting side of a closed network has not said who
     * it is yet and does not now; it only says why it closes, so the dialler can tell its user.
     */
    private void refuseKey(ChannelHandlerContext ctx, String reason) {
        if (welcomeAfterProof()) {
            ctx.writeAndFlush(Envelope.newBuilder()
                    .setGoodbye(Goodbye.newBuilder().setReason(KEY_REFUSED)).build(), ctx.voidPromise());
        }
        fail(ctx, reason);
    }

    private void onWelcome(ChannelHandlerContext ctx, Envelope env) {
        if (outbound && env.hasGoodbye()) {
            String reason = env.getGoodbye().getReason();
            fail(ctx, !KEY_REFUSED.equals(reason) ? "peer refused the connection: " + reason
                    : local.networkKey().isPresent() ? "peer's network key differs"
                    : "peer is in a closed network (it has a network key, this node has none)");
            return;
        }
        if (!env.hasWelcome()) {
            fail(ctx, "expected Welcome, got " + env.getBodyCase());
            return;
        }
        Welcome welcome = env.getWelcome();
        byte[] proof = welcome.getNetworkProof().toByteArray();
        if (local.networkKey().isPresent()) {
            if (proof.length == 0) {
                refuseKey(ctx, "peer has no network key (this node is in a closed network)");
                return;
            }
            if (!local.networkKey().get().verify(proof, nonce, local.peerId(), certifiedId)) {
                refuseKey(ctx, "peer's network key differs");
                return;
            }
        } else if (proof.length != 0) {
            fail(ctx, "peer is in a closed network (it has a network key, this node has none)");
            return;
        }
        if (welcomeAfterProof()) {
            sendWelcome(ctx);
        }
        established(ctx, welcome);
    }

    /** Installs the established session's handlers, leaves the pipeline and reports the session. */
    private void established(ChannelHandlerContext ctx, Welcome welcome) {
        List<HostAndPort> addrs = new ArrayList<>();
        for (String a : welcome.getListenAddrsList()) {
            try {
                addrs.add(HostAndPort.parse(a));
            } catch (IllegalArgumentException e) {
                log.debug("{}: ignoring bad listen address '{}'", who(ctx), a);
            }
        }
        String name = displayName(welcome.getName(), certifiedId);
        byte[] dialerNonce = outbound ? nonce : peerHello.getNonce().toByteArray();
        PeerSession s = new PeerSession(ctx.channel(), certifiedId, name, addrs, outbound,
                limits.maxOutboundQueueBytes(), HexFormat.of().formatHex(dialerNonce), metrics,
                resources);
        state = State.DONE;
        handshakeTimer.cancel(false);
        String who = who(ctx);
        ChannelPipeline p = ctx.pipeline();
        p.addAfter(ctx.name(), "flood-guard", new FloodGuard(certifiedId, who, limits, metrics, nanoTime,
                s::setCloseReasonIfAbsent));
        p.addAfter("flood-guard", "keep-alive", new KeepAliveHandler(s, limits.idleTimeout().toMillis()));
        p.addAfter("keep-alive", "session", new SessionHandler(s, who, listener, limits, metrics));
        p.remove(this);
        listener.onEstablished(s);
    }

    /** The name to show: the Welcome's (bounded at decode), at most 32 code points, or the short id. */
    private static String displayName(String name, PeerId id) {
        String n = name.codePoints().limit(32)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        return n.isEmpty() ? id.shortId() : n;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String reason = SessionFailures.reason(cause, limits.maxFrameBytes(), metrics);
        if (reason == null) {
            log.warn("{}: unexpected error, closing", who(ctx), cause);
            reason = "internal error: " + cause;
        }
        fail(ctx, reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (state != State.DONE) {
            log.debug("{}: closed during handshake (state {})", who(ctx), state);
            state = State.DONE;
            listener.onHandshakeFailed(ctx.channel(), outbound, "connection closed during the handshake");
        }
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
        if (state != State.DONE) {
            log.warn("rejected {} connection: {}", who(ctx), reason);
            state = State.DONE;
            listener.onHandshakeFailed(ctx.channel(), outbound, reason);
        }
        ctx.close();
    }
}
