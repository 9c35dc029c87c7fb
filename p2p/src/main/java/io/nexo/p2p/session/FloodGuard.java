package io.nexo.p2p.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The per-peer rates of an established session, on an injected clock: messages per second over
 * all envelopes, and bytes per second for each protocol (gossip, direct, exchange, app). A message
 * over a rate is dropped (counted, logged at most once a second). A peer whose charged messages
 * keep being dropped, never more than {@link #FLOOD_GAP_NANOS} apart, for
 * {@link #FLOOD_TOLERANCE_NANOS} is flooding and is disconnected. A drop is charged to the session
 * when the peer wrote the message itself ({@link #authoredByPeer}), or whatever origin it claims
 * when the session runs over {@link #RELAY_CEILING} times the rates: an honest relay forwards each
 * message once and its own neighbours throttle what it relays, so only a peer that makes messages
 * up (claiming other origins) gets there. Goodbye, Ping and Pong always pass.
 *
 * <pre>
 *   rate 50/s, burst 50; a peer sends its own gossip at 30 000/s from t=0:
 *   t=0       first 50 pass, then ~1 in 600 passes; the run of drops begins
 *   t=5 s     the run has lasted the tolerance: "flooding: over 50 messages/s for 5 s", closed
 *   a relay of others' gossip at the same rate: throttled the same way, never closed
 * </pre>
 */
final class FloodGuard extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FloodGuard.class);

    /**
     * Long enough that a burst (a paste, a reconnect's backlog) only costs dropped messages.
     */
    static final long FLOOD_TOLERANCE_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final long FLOOD_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Above this multiple of its rates a session is charged for what it relays, too. */
    static final int RELAY_CEILING = 4;

    /** Byte-rate classes: each protocol has its own bucket, so a bulk one does not starve the others. */
    private enum Protocol { GOSSIP, DIRECT, EXCHANGE, CONTROL }

    private final PeerId peer;
    private final String who;
    private final int messagesPerSecond;
    private final SessionMetrics metrics;
    private final LongSupplier nanoTime;
    private final Consumer<String> closeReason;
    private final TokenBucket rate;
    private final TokenBucket[] bytes = new TokenBucket[Protocol.values().length];
    private final TokenBucket ceilingMessages;
    private final TokenBucket ceilingBytes;
    private final long bytesPerSecond;
    private long lastRateLog;
    private long dropped;
    /** When the current run of drops began and when the last drop was. */
    private long floodSince;
    private long lastDrop;
    private boolean flooded;

    /**
     * @param closeReason told why, just before the guard closes a flooder's channel
     */
    FloodGuard(PeerId peer, String who, SessionLimits limits, SessionMetrics metrics, LongSupplier nanoTime,
               Consumer<String> closeReason) {
        this.peer = peer;
        this.who = who;
        this.messagesPerSecond = limits.messagesPerSecond();
        this.metrics = metrics;
        this.nanoTime = nanoTime;
        this.closeReason = closeReason;
        this.rate = new TokenBucket(limits.messagesPerSecond(), limits.messageBurst(), nanoTime);
        this.bytesPerSecond = limits.bytesPerSecond();
        for (Protocol p : Protocol.values()) {
            bytes[p.ordinal()] = new TokenBucket(limits.bytesPerSecond(), limits.byteBurst(), nanoTime);
        }
        this.ceilingMessages = new TokenBucket((long) RELAY_CEILING * limits.messagesPerSecond(),
                (long) RELAY_CEILING * limits.messageBurst(), nanoTime);
        this.ceilingBytes = new TokenBucket(RELAY_CEILING * limits.bytesPerSecond(),
                RELAY_CEILING * limits.byteBurst(), nanoTime);
        this.lastRateLog = nanoTime.getAsLong() - TimeUnit.SECONDS.toNanos(2);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Envelope env) || env.hasGoodbye() || env.hasPing() || env.hasPong()) {
            // keep-alive is never dropped: a Ping is a peer's barrier (answered after everything
            // before it), and each costs one small Pong through the queue bound
            ctx.fireChannelRead(msg);
            return;
        }
        if (flooded) {
            ReferenceCountUtil.release(msg);
            return; // the rest of the read batch that brought the flood verdict
        }
        int size = env.getSerializedSize();
        boolean underCeiling = ceilingMessages.tryAcquire() & ceilingBytes.tryAcquire(size);
        if (rate.tryAcquire() && bytes[protocol(env).ordinal()].tryAcquire(size)) {
            ctx.fireChannelRead(msg);
            return;
        }
        dropped++;
        metrics.countRateDropped();
        long now = nanoTime.getAsLong();
        if (authoredByPeer(env) || !underCeiling) {
            if (lastDrop == 0 || now - lastDrop > FLOOD_GAP_NANOS) {
                floodSince = now;
            }
            lastDrop = now;
        }
        if (lastDrop != 0 && now - floodSince >= FLOOD_TOLERANCE_NANOS) {
            String reason = "flooding: over " + messagesPerSecond + " messages/s or " + bytesPerSecond
                    + " bytes/s for "
                    + TimeUnit.NANOSECONDS.toSeconds(now - floodSince) + " s (" + dropped + " messages dropped)";
            flooded = true;
            metrics.countFloodDisconnect();
            log.warn("closing session with {}: {}", who, reason);
            closeReason.accept(reason);
            ctx.close();
            return;
        }
        if (now - lastRateLog > TimeUnit.SECONDS.toNanos(1)) {
            log.warn("peer {} exceeds {} messages/s or {} bytes/s: dropped {} messages so far",
                    who, messagesPerSecond, bytesPerSecond, dropped);
            lastRateLog = now;
        }
    }

    private static Protocol protocol(Envelope env) {
        return switch (env.getBodyCase()) {
            case GOSSIP, IHAVE, GRAFT, PRUNE -> Protocol.GOSSIP;
            case DIRECT -> Protocol.DIRECT;
            case PEX, PEX_REQUEST -> Protocol.EXCHANGE;
            default -> Protocol.CONTROL;
        };
    }

    /**
     * Whether the peer itself wrote this message, rather than relaying others' (gossip from another
     * origin, IHave, Graft, Prune). Only its own messages count towards disconnecting it as a
     * flooder: an honest node relaying a flood from elsewhere is throttled, never cut off, or a
     * flood would disconnect the honest mesh around it.
     */
    private boolean authoredByPeer(Envelope env) {
        return switch (env.getBodyCase()) {
            case GOSSIP -> env.getGossip().getOriginId().equals(peer.value());
            case IHAVE, GRAFT, PRUNE -> false;
            default -> true;
        };
    }
}
