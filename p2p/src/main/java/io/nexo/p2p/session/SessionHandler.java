package io.nexo.p2p.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.tls.NetworkKey;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.proto.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * The last handler of an established session (installed by {@link HandshakeHandler}): hands
 * messages and binary frames to the node, ends the session on Goodbye, and is its one failure
 * path: every error after the handshake closes this session only, with a reason, and the node hears
 * of the close once.
 */
public final class SessionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    /** What this node says about itself in the handshake. */
    public record LocalInfo(PeerId peerId, String name, List<HostAndPort> listenAddrs,
                            Optional<NetworkKey> networkKey) {
    }

    private final PeerSession session;
    private final String who;
    private final SessionListener listener;
    private final SessionLimits limits;
    private final SessionMetrics metrics;
    private boolean closed;

    SessionHandler(PeerSession session, String who, SessionListener listener, SessionLimits limits,
                   SessionMetrics metrics) {
        this.session = session;
        this.who = who;
        this.listener = listener;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryFrame frame) {
            listener.onBinary(session, frame);
            return;
        }
        if (!(msg instanceof Envelope env)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (env.getBodyCase()) {
            case GOODBYE -> {
                session.setCloseReasonIfAbsent("peer left: " + env.getGoodbye().getReason());
                ctx.close();
            }
            case HELLO, WELCOME -> session.fail("second " + env.getBodyCase());
            case BODY_NOT_SET -> log.debug("{}: ignoring a message of a newer protocol version", who);
            default -> listener.onEnvelope(session, env);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String reason = SessionFailures.reason(cause, limits.maxFrameBytes(), metrics);
        if (reason == null) {
            log.warn("{}: unexpected error, closing", who, cause);
            reason = "internal error: " + cause;
        }
        session.fail(reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!closed) {
            closed = true;
            session.setCloseReasonIfAbsent("connection lost");
            listener.onClosed(session, session.closeReason());
        }
        super.channelInactive(ctx);
    }
}
