package io.nexo.p2p.nat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.core.text.Printable;
import io.nexo.p2p.relay.LineReader;
import io.nexo.p2p.relay.Preamble;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The dialling end of an AutoNAT dial-back: sends {@code NEXO-DIALBACK <nonce>} to the requester's
 * observed IP and listening port, and reports once whether a node there answered OK (null) or why
 * not. Never more than one line either way.
 */
public final class DialBackHandler extends LineReader {

    private final String nonceHex;
    private final Consumer<String> done;
    private final long timeoutMillis;
    private ScheduledFuture<?> timer;
    private boolean reported;

    /** @param done told null when the other side took the nonce, else why not */
    public DialBackHandler(String nonceHex, Consumer<String> done, long timeoutMillis) {
        this.nonceHex = nonceHex;
        this.done = done;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> report(ctx, "no answer within " + timeoutMillis + " ms"),
                timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(ascii(ctx, Preamble.dialBack(nonceHex)));
    }

    @Override
    protected void onLine(ChannelHandlerContext ctx, String line, ByteBuf rest) {
        if (rest != null) {
            rest.release();
        }
        report(ctx, line.equals(Preamble.OK) ? null : "answered '" + Printable.escape(line, 64) + "'");
    }

    @Override
    protected void onViolation(ChannelHandlerContext ctx, String reason) {
        report(ctx, reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        report(ctx, "closed without answering");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        report(ctx, String.valueOf(cause.getMessage()));
    }

    private void report(ChannelHandlerContext ctx, String failure) {
        if (reported) {
            return;
        }
        reported = true;
        if (timer != null) {
            timer.cancel(false);
        }
        done.accept(failure);
        ctx.close();
    }
}
