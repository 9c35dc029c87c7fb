package io.nexo.lb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Moves bytes from its own channel to its peer, one direction of a proxied connection; the
 * {@link FrontendHandler} and {@link BackendHandler} each hold one and point it at the other side.
 *
 * <p>Backpressure (as Netty's HexDumpProxy): channels run with {@code AUTO_READ} off. Each buffer read
 * is written and flushed to the peer at once; after the read batch the next read is asked only while
 * the peer is writable, i.e. holds less than the write buffer's high water mark unsent; otherwise the
 * peer's {@code channelWritabilityChanged} asks it once the peer drained to the low mark. So one
 * direction buffers at most the high water mark plus one read batch, whatever the speed of the reader.
 *
 * <p>Half-close: when this side sends FIN, everything read before it is flushed to the peer and then
 * the peer's output is shut down (FIN forwarded); once both directions are shut, both channels close.
 */
abstract class RelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    /** The other side; set once both channels exist, used only on the shared event loop. */
    protected Channel peer;
    /** What the connection did, for the access log; shared by both sides. */
    final ConnectionRecord record;
    /** {@link System#nanoTime()} of the last read batch, for the idle timeout. */
    long lastReadNanos = System.nanoTime();
    /**
     * Bytes read in the current batch, added to the backend's counters once per batch (one striped
     * add per read batch rather than per buffer), and the connection's total for the access log.
     */
    long pendingBytes;
    long totalBytes;

    RelayHandler(ConnectionRecord record) {
        this.record = record;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            pendingBytes += buf.readableBytes();
        }
        // Sent at once, while the bytes are still in the CPU cache (a batch is up to 16 reads). A void
        // promise: no per-write allocation; a failed write fires exceptionCaught on the peer.
        peer.writeAndFlush(msg, peer.voidPromise());
    }

    /** Adds the bytes of the last batch to the counters; only once the backend is known. */
    final void countPending() {
        long n = pendingBytes;
        if (n > 0) {
            pendingBytes = 0;
            totalBytes += n;
            countBytes(n);
        }
    }

    /** Adds {@code n} bytes read on this side to the backend's counters. */
    abstract void countBytes(long n);

    /** "client" or "backend", for close reasons. */
    abstract String side();

    /** "client closed" or "backend closed": a constant, not a string built twice per connection. */
    abstract String closedReason();

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastReadNanos = System.nanoTime();
        Channel p = peer;
        if (p != null) {
            countPending();
            if (p.isWritable()) {
                readMore(ctx.channel());
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // our own unsent data drained below the low water mark: the peer may read again
        if (ctx.channel().isWritable() && peer != null) {
            readMore(peer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            record.end(closedReason());
            forwardFin(ctx.channel());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** Our side sent FIN: flush what it sent before, then shut the peer's output. */
    void forwardFin(Channel self) {
        Channel p = peer;
        if (p == null || !p.isActive()) {
            self.close();
            return;
        }
        if (((DuplexChannel) p).isInputShutdown()) {
            // The peer sent its FIN first (the usual end of a connection-per-request conversation): both
            // directions are over, so each side is closed once what was written to it is out. close()
            // sends the same FIN that shutdownOutput() would, without a shutdown(2) per connection and
            // the exception Netty builds (with its stack trace) in every shutdownOutput().
            closeOnFlush(p);
            closeOnFlush(self);
            return;
        }
        if (nothingToFlush(p)) {
            finFlushed(self, p);
            return;
        }
        p.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture flushed) -> {
            if (!flushed.isSuccess()) {
                closeBoth(self, p);
                return;
            }
            finFlushed(self, p);
        });
    }

    /** {@link #forwardFin}, once everything {@code self} sent before its FIN is out on {@code p}. */
    private static void finFlushed(Channel self, Channel p) {
        shutdownOutput(p).addListener((ChannelFuture shut) -> {
            // the other direction already forwarded its FIN to us: the conversation is over
            if (!shut.isSuccess() || ((DuplexChannel) self).isOutputShutdown()) {
                closeBoth(self, p);
            } else if (p.config() instanceof SocketChannelConfig config) {
                // All p can still do is send: its FIN ends the conversation, so Netty may close p at
                // that EOF (channelInactive closes self once flushed) rather than shut p's input first,
                // a shutdown(2) that fails with ENOTCONN once both FINs crossed, and for which Netty
                // builds a NotYetConnectedException with its stack trace, per connection.
                config.setAllowHalfClosure(false);
            }
        });
    }

    /**
     * Whether nothing written to {@code ch} waits to be sent: its outbound buffer holds no message (each
     * one counts at least Netty's per-entry overhead, so 0 bytes means none, flushed or not; a write the
     * kernel has not completed yet stays counted) and no {@link SslHandler} could hold writes of its own
     * (it queues them during a handshake). Then "flush, then act" can act at once: an empty write would
     * cost, on io_uring, a zero-length send submitted to the kernel, its completion and a promise with
     * a listener, twice per connection-per-request connection.
     */
    static boolean nothingToFlush(Channel ch) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out != null && out.totalPendingWriteBytes() == 0 && ch.pipeline().get(SslHandler.class) == null;
    }

    /**
     * Sends FIN on {@code ch}, whose queued writes are all flushed. On the native transports this is
     * {@code shutdown(SHUT_WR)} on its socket directly: Netty's {@code shutdownOutput()} builds a
     * {@code ChannelOutputShutdownException} with a full stack trace on every call (to fail writes still
     * queued, and there are none here), which cost about 2.5% of the event loop per connection. The
     * socket records the shutdown, so {@code isOutputShutdown()} answers as after Netty's own.
     */
    static ChannelFuture shutdownOutput(Channel ch) {
        if (ch instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
            try {
                socket.shutdown(false, true);
                return ch.newSucceededFuture();
            } catch (IOException e) {
                return ch.newFailedFuture(e);
            }
        }
        return ((DuplexChannel) ch).shutdownOutput();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        record.end(closedReason());
        if (peer != null) {
            countPending();
            closeOnFlush(peer);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        record.end(side() + " error: " + cause.getMessage());
        if (cause instanceof IOException) {
            // resets and broken pipes are the normal end of many TCP conversations
            log.debug("{}: {}", describe(ctx.channel()), cause.toString());
        } else {
            log.warn("{}: closing after an unexpected error", describe(ctx.channel()), cause);
        }
        ctx.close();
        if (peer != null) {
            closeOnFlush(peer);
        }
    }

    /** Who this handler serves, for logs: "client 127.0.0.1:5123". */
    abstract String describe(Channel self);

    /**
     * Asks {@code ch} for its next read batch, unless its input already ended (epoll would fail to
     * re-arm a descriptor that reached EOF).
     */
    static void readMore(Channel ch) {
        if (!((DuplexChannel) ch).isInputShutdown()) {
            ch.read();
        }
    }

    static void closeBoth(Channel a, Channel b) {
        a.close();
        b.close();
    }

    /** Closes {@code ch} after everything already written to it is flushed. */
    static void closeOnFlush(Channel ch) {
        if (!ch.isActive()) {
            return;
        }
        if (ch instanceof DuplexChannel duplex && duplex.isOutputShutdown() || nothingToFlush(ch)) {
            // FIN already sent after a flush (nothing is written after it), or nothing queued at all
            ch.close();
        } else {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
