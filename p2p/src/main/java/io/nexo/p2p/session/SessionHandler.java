package io.nexo.p2p.session;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.tls.NetworkKey;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Goodbye;
import io.nexo.p2p.wire.proto.Hello;
import io.nexo.p2p.wire.proto.Ping;
import io.nexo.p2p.wire.proto.Pong;
import io.nexo.p2p.wire.proto.Welcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The life of one connection: TLS handshake (by the {@link SslHandler} before it), proof of the
 * peer id, hello and welcome (network key), then keep-alive pings and message dispatch. Every
 * failure takes the same path: log with who and why, close this channel only.
 *
 * <pre>
 *   TLS done -> check cert id (pinned? self?) -> send Hello(id, nonce)
 *   Hello in -> check id matches cert         -> send Welcome(proof over peer's nonce, name, addresses)
 *   Welcome in -> verify proof                -> established: listener.onEstablished
 * </pre>
 * In a closed network (network key) the accepting side sends its Welcome only after it verified the
 * dialler's, so a stranger learns nothing beyond the certificate's peer id.
 */
public final class SessionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    /**
     * A peer over its message rate is throttled (excess dropped); one whose own messages (see
     * {@link #authoredByPeer}) keep being dropped, never more than {@link #FLOOD_GAP_NANOS} apart, for
     * this long is flooding and is disconnected. Long enough that a burst (a paste, a reconnect's
     * backlog) only costs dropped messages.
     */
    static final long FLOOD_TOLERANCE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long FLOOD_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What this node says about itself in Hello. */
    public record LocalInfo(PeerId peerId, String name, List<HostAndPort> listenAddrs,
                            Optional<NetworkKey> networkKey) {
    }

    /** Goodbye reason of the accepting side of a closed network that refused the dialler's key. */
    static final String KEY_REFUSED = "network key refused";

    private enum State { TLS, AWAIT_HELLO, AWAIT_WELCOME, ESTABLISHED, CLOSED }

    private final LocalInfo local;
    private final SessionLimits limits;
    private final SessionListener listener;
    private final boolean outbound;
    private final Optional<PeerId> expectedPeer;
    private final byte[] nonce;
    private final TokenBucket rate;

    private State state = State.TLS;
    private ScheduledFuture<?> handshakeTimer;
    private PeerId certifiedId;
    private Hello peerHello;
    private PeerSession session;
    private long pingSeq;
    private long lastRateLog;
    private long dropped;
    /** When the current run of drops began and when the last drop was: see {@link #FLOOD_TOLERANCE_NANOS}. */
    private long floodSince;
    private long lastDrop;
    private boolean flooded;

    public SessionHandler(LocalInfo local, SessionLimits limits, SessionListener listener,
                          boolean outbound, Optional<PeerId> expectedPeer, byte[] nonce) {
        this.local = local;
        this.limits = limits;
        this.listener = listener;
        this.outbound = outbound;
        this.expectedPeer = expectedPeer;
        this.nonce = nonce.clone();
        this.rate = new TokenBucket(limits.messagesPerSecond(), limits.messageBurst(), System::nanoTime);
    }

    private String who(ChannelHandlerContext ctx) {
        String addr = String.valueOf(ctx.channel().remoteAddress());
        return (outbound ? "outbound " : "inbound ") + addr
                + (certifiedId != null ? " (" + certifiedId.shortId() + ")" : "");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        handshakeTimer = ctx.executor().schedule(() -> {
            if (state != State.ESTABLISHED && state != State.CLOSED) {
                fail(ctx, "handshake not finished within " + limits.handshakeTimeout().toMillis() + " ms");
            }
        }, limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                fail(ctx, "TLS handshake failed: " + rootMessage(done.cause()));
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
            Hello.Builder hello = Hello.newBuilder()
                    .setProtocolVersion(WireFormat.PROTOCOL_VERSION)
                    .setPeerId(local.peerId().value())
                    .setNonce(ByteString.copyFrom(nonce));
            state = State.AWAIT_HELLO;
            ctx.writeAndFlush(Envelope.newBuilder().setHello(hello).build());
        } else if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                fail(ctx, "no traffic for " + limits.idleTimeout().toMillis() + " ms");
            } else if (idle.state() == IdleState.WRITER_IDLE && state == State.ESTABLISHED) {
                ctx.writeAndFlush(Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(++pingSeq)).build());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryFrame frame) {
            if (state != State.ESTABLISHED) {
                frame.release();
                fail(ctx, "binary frame before the handshake finished");
                return;
            }
            listener.onBinary(session, frame);
            return;
        }
        if (!(msg instanceof Envelope env)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        switch (state) {
            case AWAIT_HELLO -> onHello(ctx, env);
            case AWAIT_WELCOME -> onWelcome(ctx, env);
            case ESTABLISHED -> onEstablishedMessage(ctx, env);
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
        if (hello.getNonce().size() != 32) {
            fail(ctx, "Hello nonce of " + hello.getNonce().size() + " bytes (expected: 32)");
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
        List<HostAndPort> addrs = new ArrayList<>();
        for (String a : welcome.getListenAddrsList()) {
            try {
                addrs.add(HostAndPort.parse(a));
            } catch (IllegalArgumentException e) {
                log.debug("{}: ignoring bad listen address '{}'", who(ctx), a);
            }
        }
        String name = sanitizeName(welcome.getName(), certifiedId);
        byte[] dialerNonce = outbound ? nonce : peerHello.getNonce().toByteArray();
        PeerSession s = new PeerSession(ctx.channel(), certifiedId, name, addrs, outbound,
                limits.maxOutboundQueueBytes(), java.util.HexFormat.of().formatHex(dialerNonce));
        state = State.ESTABLISHED;
        handshakeTimer.cancel(false);
        session = s;
        listener.onEstablished(s);
    }

    private static String sanitizeName(String name, PeerId id) {
        String n = name.codePoints().filter(c -> !Character.isISOControl(c))
                .limit(32).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString().strip();
        return n.isEmpty() ? id.shortId() : n;
    }

    private void onEstablishedMessage(ChannelHandlerContext ctx, Envelope env) {
        switch (env.getBodyCase()) {
            case PING -> ctx.writeAndFlush(Envelope.newBuilder()
                    .setPong(Pong.newBuilder().setSeq(env.getPing().getSeq())).build());
            case PONG -> { }
            case GOODBYE -> {
                session.setCloseReasonIfAbsent("peer left: " + env.getGoodbye().getReason());
                ctx.close();
            }
            case HELLO, WELCOME -> fail(ctx, "second " + env.getBodyCase());
            case BODY_NOT_SET -> log.debug("{}: ignoring a message of a newer protocol version", who(ctx));
            default -> {
                if (flooded) {
                    return; // the rest of the read batch that brought the flood verdict
                }
                if (!rate.tryAcquire()) {
                    dropped++;
                    long now = System.nanoTime();
                    if (authoredByPeer(env)) {
                        if (lastDrop == 0 || now - lastDrop > FLOOD_GAP_NANOS) {
                            floodSince = now;
                        }
                        lastDrop = now;
                    }
                    if (lastDrop != 0 && now - floodSince >= FLOOD_TOLERANCE_NANOS) {
                        String reason = "flooding: over " + limits.messagesPerSecond() + " messages/s for "
                                + TimeUnit.NANOSECONDS.toSeconds(now - floodSince) + " s (" + dropped
                                + " messages dropped)";
                        flooded = true;
                        log.warn("closing session with {}: {}", who(ctx), reason);
                        session.setCloseReasonIfAbsent(reason);
                        ctx.close();
                        return;
                    }
                    if (now - lastRateLog > TimeUnit.SECONDS.toNanos(1)) {
                        log.warn("peer {} exceeds {} messages/s: dropped {} messages so far",
                                who(ctx), limits.messagesPerSecond(), dropped);
                        lastRateLog = now;
                    }
                    return;
                }
                listener.onEnvelope(session, env);
            }
        }
    }

    /**
     * Whether the peer itself wrote this message, rather than relaying others' (gossip from another
     * origin, IHave, Graft, Prune). Only its own messages count towards disconnecting it as a
     * flooder: an honest node relaying a flood from elsewhere is throttled, never cut off, or a
     * flood would disconnect the honest mesh around it.
     */
    private boolean authoredByPeer(Envelope env) {
        return switch (env.getBodyCase()) {
            case GOSSIP -> env.getGossip().getOriginId().equals(certifiedId.value());
            case IHAVE, GRAFT, PRUNE -> false;
            default -> true;
        };
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            fail(ctx, "frame over the limit of " + limits.maxFrameBytes() + " bytes (" + cause.getMessage() + ")");
        } else if (cause instanceof CorruptedFrameException) {
            fail(ctx, "malformed frame: " + cause.getMessage());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof NotSslRecordException) {
            fail(ctx, "not TLS (a plaintext client?)");
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            fail(ctx, "TLS error: " + rootMessage(cause));
        } else if (cause instanceof java.io.IOException) {
            fail(ctx, "I/O error: " + cause.getMessage());
        } else {
            log.warn("{}: unexpected error, closing", who(ctx), cause);
            fail(ctx, "internal error: " + cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (state == State.ESTABLISHED && session != null) {
            state = State.CLOSED;
            session.setCloseReasonIfAbsent("connection lost");
            listener.onClosed(session, session.closeReason());
        } else if (state != State.CLOSED) {
            log.debug("{}: closed during handshake (state {})", who(ctx), state);
            listener.onHandshakeFailed(ctx.channel(), outbound, "connection closed during the handshake");
        }
        state = State.CLOSED;
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
        if (state == State.ESTABLISHED && session != null) {
            log.info("closing session with {}: {}", who(ctx), reason);
            session.setCloseReasonIfAbsent(reason);
        } else if (state != State.CLOSED) {
            log.warn("rejected {} connection: {}", who(ctx), reason);
            state = State.CLOSED;
            listener.onHandshakeFailed(ctx.channel(), outbound, reason);
        }
        ctx.close();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }

    static InetSocketAddress remote(ChannelHandlerContext ctx) {
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }
}
