package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.core.text.Printable;

import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The node's end of a connection to a relay: sends the preamble line (CONNECT as a dialler, ACCEPT
 * as the reserved node), waits for the relay's answer, and on OK builds the peer pipeline in its
 * place, so the end-to-end TLS handshake starts over the circuit. Any other outcome is reported once,
 * in words, and closes the connection.
 */
public final class RelayDialHandler extends LineReader {

    private final String request;
    private final String relay;
    private final Consumer<Channel> peerPipeline;
    private final BiConsumer<Channel, String> failed;
    private final long timeoutMillis;
    private ScheduledFuture<?> timer;
    private boolean answered;

    /**
     * @param request      the preamble line ({@link Preamble#connect} or {@link Preamble#accept})
     * @param relay        the relay's address, for messages
     * @param peerPipeline builds the TLS and session handlers after OK
     * @param failed       told why, once, when the relay refuses, closes or stays silent
     */
    public RelayDialHandler(String request, String relay, Consumer<Channel> peerPipeline,
                            BiConsumer<Channel, String> failed, long timeoutMillis) {
        this.request = request;
        this.relay = relay;
        this.peerPipeline = peerPipeline;
        this.failed = failed;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> fail(ctx, "relay " + relay + " did not answer within "
                + timeoutMillis + " ms"), timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(ascii(ctx, request));
        ctx.fireChannelActive();
    }

    @Override
    protected void onLine(ChannelHandlerContext ctx, String line, ByteBuf rest) {
        if (line.equals(Preamble.OK)) {
            answered = true;
            timer.cancel(false);
            peerPipeline.accept(ctx.channel());
            if (rest != null) {
                ctx.fireChannelRead(rest);
            }
            ctx.pipeline().remove(this);
            return;
        }
        if (rest != null) {
            rest.release();
        }
        fail(ctx, line.startsWith(Preamble.ERR)
                ? "relay " + relay + " refused: " + Printable.escape(line.substring(Preamble.ERR.length()))
                : "relay " + relay + " answered '" + Printable.escape(line) + "'");
    }

    @Override
    protected void onViolation(ChannelHandlerContext ctx, String reason) {
        fail(ctx, "relay " + relay + " sent " + reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, "relay " + relay + " closed the connection before answering (does it offer relay?)");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, "relay " + relay + ": " + cause.getMessage());
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
        if (answered) {
            return;
        }
        answered = true;
        if (timer != null) {
            timer.cancel(false);
        }
        failed.accept(ctx.channel(), reason);
        ctx.close();
    }
}
