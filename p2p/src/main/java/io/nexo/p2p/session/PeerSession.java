package io.nexo.p2p.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Goodbye;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * An authenticated connection with one peer, after TLS and the hello exchange. Thread-safe: sends
 * go straight to the Netty channel.
 */
public final class PeerSession {

    private static final Logger log = LoggerFactory.getLogger(PeerSession.class);
    private static final long GOODBYE_GRACE_MS = 1000;

    private final Channel channel;
    private final PeerId peerId;
    private final String name;
    private final List<HostAndPort> listenAddrs;
    private final boolean outbound;
    private final HostAndPort remote;
    private final long maxOutboundQueueBytes;
    private final String dialerNonce;
    private final SessionMetrics metrics;
    private final ResourceManager resources;
    private volatile String closeReason;

    PeerSession(Channel channel, PeerId peerId, String name, List<HostAndPort> listenAddrs,
                boolean outbound, long maxOutboundQueueBytes, String dialerNonce, SessionMetrics metrics,
                ResourceManager resources) {
        this.dialerNonce = dialerNonce;
        this.metrics = metrics;
        this.resources = resources;
        this.channel = channel;
        this.peerId = peerId;
        this.name = name;
        this.listenAddrs = List.copyOf(listenAddrs);
        this.outbound = outbound;
        this.remote = HostAndPort.of((java.net.InetSocketAddress) channel.remoteAddress());
        this.maxOutboundQueueBytes = maxOutboundQueueBytes;
    }

    public PeerId peerId() {
        return peerId;
    }

    public String name() {
        return name;
    }

    /** Where the peer says it accepts connections. */
    public List<HostAndPort> listenAddrs() {
        return listenAddrs;
    }

    /** True when this node dialled the peer. */
    public boolean outbound() {
        return outbound;
    }

    /**
     * The dialling side's hello nonce (hex): the same value on both ends of the connection, so two
     * nodes that must pick one of two connections dialled by the same side pick the same one.
     */
    public String dialerNonce() {
        return dialerNonce;
    }

    /** The remote end of the TCP connection. */
    public HostAndPort remote() {
        return remote;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** True while the outbound buffer is under its low-water mark: bulk senders wait for this. */
    public boolean isWritable() {
        return channel.isWritable();
    }

    /** The Netty channel, for protocols that need flow control (writability events). */
    public Channel channel() {
        return channel;
    }

    /**
     * Queues {@code envelope}. A peer whose outbound queue is over the limit is not reading: it is
     * disconnected (and logged) instead of letting memory grow. Returns false if not sent.
     */
    public boolean send(Envelope envelope) {
        return write(envelope);
    }

    /**
     * Queues an already encoded frame (see {@code FrameEncoder.encode}), with the same queue bound;
     * the buffer is released in every case.
     */
    public boolean sendFrame(io.netty.buffer.ByteBuf frame) {
        if (!write(frame)) {
            frame.release();
            return false;
        }
        return true;
    }

    private boolean write(Object envelope) {
        if (!channel.isActive() || dropIfQueueFull()) {
            return false;
        }
        long bytes = envelope instanceof Envelope e ? WireFormat.LENGTH_BYTES + 1 + e.getSerializedSize()
                : ((io.netty.buffer.ByteBuf) envelope).readableBytes();
        Optional<ResourceManager.Reservation> queued = resources.reserveOutbound(peerId, bytes);
        if (queued.isEmpty()) {
            return false; // the node's outbound total is full: this message is dropped, the peer kept
        }
        channel.writeAndFlush(envelope).addListener(f -> {
            queued.get().release();
            if (!f.isSuccess()) {
                // a session closing under a write is normal; the close itself is reported elsewhere
                log.debug("write to {} failed: {}", this, f.cause().toString());
            }
        });
        return true;
    }

    /**
     * Sends a binary frame without the peer's queue check: bulk senders must watch
     * {@link #isWritable()} (or the channel's writability events) and write only while it is true.
     * It still reserves its bytes in the node's outbound total until written; when that is full the
     * frame is not sent and the future fails. The frame is released in every case.
     */
    public ChannelFuture sendBinary(BinaryFrame frame) {
        ChannelFuture f = writeReserved(frame);
        return f != null ? f : channel.newFailedFuture(new IllegalStateException("node outbound queue full"));
    }

    /**
     * Sends a binary frame with the outbound-queue bound of {@link #send}: over it the peer is
     * dropped as not reading. Returns the write's future, or null when not sent (the peer's queue
     * or the node's outbound total full; the frame is then released).
     */
    public ChannelFuture sendBinaryBounded(BinaryFrame frame) {
        if (!channel.isActive() || dropIfQueueFull()) {
            frame.release();
            return null;
        }
        return writeReserved(frame);
    }

    /**
     * Writes {@code frame}, holding its bytes in the node's outbound total until written; null (and the
     * frame released) when that total is full.
     */
    private ChannelFuture writeReserved(BinaryFrame frame) {
        Optional<ResourceManager.Reservation> queued = resources.reserveOutbound(peerId, frame.content().readableBytes());
        if (queued.isEmpty()) {
            frame.release();
            return null;
        }
        ChannelFuture f = channel.writeAndFlush(frame);
        f.addListener(done -> queued.get().release());
        return f;
    }

    /** Closes the session (true) when more than the outbound-queue bound is waiting for the peer. */
    private boolean dropIfQueueFull() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out == null || out.totalPendingWriteBytes() <= maxOutboundQueueBytes) {
            return false;
        }
        if (closeReason == null) {
            metrics.countQueueOverflow();
            log.warn("dropping peer {} ({}): outbound queue over {} bytes, the peer is not reading",
                    peerId.shortId(), remote, maxOutboundQueueBytes);
            closeReason = "outbound queue over " + maxOutboundQueueBytes + " bytes (not reading)";
        }
        channel.close(); // no goodbye: it would only queue behind what the peer does not read
        return true;
    }

    /** Says goodbye with {@code reason} and closes. */
    public void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        if (channel.isActive()) {
            channel.writeAndFlush(Envelope.newBuilder().setGoodbye(Goodbye.newBuilder().setReason(reason)).build())
                    .addListener(ChannelFutureListener.CLOSE);
            // a peer that does not read would keep the goodbye (and the connection) pending forever
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, GOODBYE_GRACE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Why the session ended (null while open, or when the peer went away unannounced). */
    public String closeReason() {
        return closeReason;
    }

    /** Closes the session for {@code reason} (a protocol error of the peer): logged, no goodbye. */
    void fail(String reason) {
        if (closeReason == null && channel.isActive()) {
            log.info("closing session with {}: {}", this, reason);
        }
        setCloseReasonIfAbsent(reason);
        channel.close();
    }

    void setCloseReasonIfAbsent(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
    }

    @Override
    public String toString() {
        return name + "(" + peerId.shortId() + ")@" + remote;
    }
}
