package io.nexo.lb.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * One health check connection: sends the request, judges the answer, then ends the connection the
 * way a polite client does, so that a backend as simple as "accept, recv, send, close" never sees a
 * reset while it reads:
 *
 * <pre>
 * connect -> send request -> read (at most MAX_RESPONSE_BYTES) until the matcher decides
 *         -> verdict -> half-close (FIN), unless the backend closes first (HTTP, Connection: close)
 *         -> read and drop what is left (at most MAX_DRAIN_BYTES) until the backend's FIN
 *         -> close; after {@code linger} without that FIN, close anyway
 * </pre>
 *
 * The check itself must end within the check timeout (counted from the connect attempt); a timeout,
 * an answer that overflows the cap or an error closes at once. Runs on one event loop: no locks.
 */
final class ProbeHandler extends ChannelInboundHandlerAdapter {

    /** Most bytes of an answer kept for the matcher: a backend that streams garbage costs no more. */
    static final int MAX_RESPONSE_BYTES = 16 * 1024;
    /** Most bytes read and dropped after the verdict before the check closes without waiting. */
    static final int MAX_DRAIN_BYTES = 64 * 1024;

    /** Receives the verdict, once, on the event loop. */
    interface Outcome {
        void verdict(boolean ok, String reason);
    }

    private final CheckExchange exchange;
    private final long deadlineNanos;
    private final long timeoutMillis;
    private final long lingerNanos;
    private final Outcome outcome;
    private final Promise<Void> finished;
    private ByteBuf response;
    private boolean decided;
    private long drained;
    private ScheduledFuture<?> timer;

    /**
     * @param deadlineNanos {@link System#nanoTime()} by which the verdict must be in
     * @param lingerNanos   how long to wait for the backend's FIN after the verdict
     * @param finished      completed once the connection is closed, after the verdict was given
     */
    ProbeHandler(CheckExchange exchange, long deadlineNanos, long timeoutMillis, long lingerNanos, Outcome outcome,
                 Promise<Void> finished) {
        this.exchange = exchange;
        this.deadlineNanos = deadlineNanos;
        this.timeoutMillis = timeoutMillis;
        this.lingerNanos = lingerNanos;
        this.outcome = outcome;
        this.finished = finished;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (exchange.matcher() == null) {
            decide(ctx, ResponseMatcher.Verdict.PASS);
            return;
        }
        response = Unpooled.buffer(256, MAX_RESPONSE_BYTES);
        long remaining = Math.max(0, deadlineNanos - System.nanoTime());
        timer = ctx.executor().schedule(() -> timedOut(ctx), remaining, TimeUnit.NANOSECONDS);
        if (exchange.request().length > 0) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(exchange.request())).addListener((ChannelFuture f) -> {
                if (!f.isSuccess() && !decided) {
                    fail(ctx, "could not send the check: " + HealthChecker.describe(f.cause()));
                }
            });
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (decided) {
                drained += in.readableBytes();
                if (drained > MAX_DRAIN_BYTES) {
                    ctx.close(); // still talking after the verdict: stop listening
                }
                return;
            }
            int added = Math.min(in.readableBytes(), response.maxWritableBytes());
            response.writeBytes(in, added);
            ResponseMatcher.Verdict v = exchange.matcher().inspect(response, added);
            if (v != null) {
                decide(ctx, v);
            } else if (response.maxWritableBytes() == 0) {
                fail(ctx, exchange.matcher().awaited() + " not in the first " + MAX_RESPONSE_BYTES + " bytes received");
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!decided) {
            decided = true;
            outcome.verdict(false, "closed by the backend before " + exchange.matcher().awaited() + received());
        }
        cancelTimer();
        if (response != null) {
            response.release();
            response = null;
        }
        finished.trySuccess(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!decided) {
            fail(ctx, HealthChecker.describe(cause) + received());
        } else {
            ctx.close(); // e.g. a reset while lingering: the verdict stands
        }
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (!decided) {
            fail(ctx, "timed out after " + timeoutMillis + " ms waiting for " + exchange.matcher().awaited()
                    + received());
        }
    }

    /** A failure that ends the connection at once. */
    private void fail(ChannelHandlerContext ctx, String reason) {
        decided = true;
        cancelTimer();
        outcome.verdict(false, reason);
        ctx.close();
    }

    /** A verdict on a sane exchange: the connection is ended gracefully. */
    private void decide(ChannelHandlerContext ctx, ResponseMatcher.Verdict verdict) {
        decided = true;
        cancelTimer();
        outcome.verdict(verdict.ok(), verdict.reason());
        timer = ctx.executor().schedule(() -> {
            ctx.close(); // the backend did not close in time: end it from here
        }, lingerNanos, TimeUnit.NANOSECONDS);
        if (!exchange.backendCloses()) {
            // FIN first: a backend blocked in recv() gets end-of-stream, answers into it and closes
            ((DuplexChannel) ctx.channel()).shutdownOutput();
        }
    }

    private String received() {
        int n = response == null ? 0 : response.readableBytes();
        return n == 0 ? " (nothing received)"
                : " (received " + n + " bytes: '" + ResponseMatcher.preview(response) + "')";
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
