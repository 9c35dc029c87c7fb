package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One spliced pair of connections on a relay: the dialler's and the reserved node's. Counts the
 * bytes it carries against its limit, closes both sides at the limit, after its time limit, or when
 * either side closes, and then gives its slots back exactly once.
 */
final class Circuit {

    /**
     * Each side's write buffer once it is spliced: a side stops reading once this much is unsent to
     * the other and resumes below the low mark (lb's {@code RelayTuning}). The peer connections'
     * watermark ({@code --max-outbound-queue} / 2, 4 MiB by default) would let every direction of
     * every circuit hold 4 MiB on the relay; with 64 KiB a direction holds at most that plus one read.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final Channel dialer;
    private final Channel target;
    private final long maxBytes;
    private final RelayStats stats;
    private final CircuitTap tap;
    private final Runnable release;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ScheduledFuture<?> deadline;

    Circuit(Channel dialer, Channel target, long maxBytes, RelayStats stats, CircuitTap tap, Runnable release) {
        this.dialer = dialer;
        this.target = target;
        this.maxBytes = maxBytes;
        this.stats = stats;
        this.tap = tap;
        this.release = release;
    }

    /**
     * Replaces each side's preamble handler by the splice, answers OK to both and starts reading.
     * Each side is set up on its own event loop; neither has sent a byte since its preamble (both
     * wait for OK). The reserved node's side goes first, and the dialler, who speaks first (its TLS
     * ClientHello), gets its OK only after the other OK is written: so OK is always the first line
     * the reserved node reads, never behind the dialler's bytes.
     */
    void start(Duration maxDuration) {
        deadline = dialer.eventLoop().schedule(() -> close(RelayStats.Refusal.CIRCUIT_DURATION),
                maxDuration.toMillis(), TimeUnit.MILLISECONDS);
        open(target, dialer, () -> open(dialer, target, () -> { }));
    }

    private void open(Channel ch, Channel other, Runnable then) {
        ch.eventLoop().execute(() -> {
            ch.closeFuture().addListener(f -> close(null)); // first: whatever happens next, slots come back
            ch.config().setAutoRead(false);
            ch.config().setWriteBufferWaterMark(WATER_MARK);
            try {
                ch.pipeline().replace(RelayInboundHandler.class, "circuit", new CircuitSplice(this, other));
            } catch (java.util.NoSuchElementException e) {
                close(null); // closed (and its pipeline torn down) before the circuit could start
                return;
            }
            ch.writeAndFlush(Unpooled.copiedBuffer((Preamble.OK + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            ch.read();
                        } else {
                            close(null);
                        }
                    });
            then.run(); // after this side's OK is queued in order before anything the other side sends
        });
    }

    /** Counts {@code data} about to be forwarded; false (circuit closing) when it breaks the byte limit. */
    boolean carry(ByteBuf data) {
        int n = data.readableBytes();
        if (bytes.addAndGet(n) > maxBytes) {
            close(RelayStats.Refusal.CIRCUIT_BYTES);
            return false;
        }
        tap.forwarded(data);
        stats.forwarded(n);
        return true;
    }

    long bytes() {
        return bytes.get();
    }

    /** Closes both sides after what is already queued; {@code why} counts a limit, null a normal end. */
    void close(RelayStats.Refusal why) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (why != null) {
            stats.refused(why);
        }
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
        dialer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        target.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        release.run();
    }
}
