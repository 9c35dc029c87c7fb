package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * First handler of an accepted connection on a node that serves relay: looks at the first byte and
 * builds either the peer pipeline (TLS, 0x16) or a relay request handler ({@link Preamble#FIRST_BYTE}),
 * then steps aside. A connection that sends nothing is closed after the handshake timeout.
 */
public final class RelaySniffer extends ChannelInboundHandlerAdapter {

    private final RelayService service;
    private final Consumer<Channel> peerPipeline;
    private final long timeoutMillis;
    private ScheduledFuture<?> timer;

    public RelaySniffer(RelayService service, Consumer<Channel> peerPipeline, long timeoutMillis) {
        this.service = service;
        this.peerPipeline = peerPipeline;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> ctx.close(), timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || !buf.isReadable()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        if (buf.getByte(buf.readerIndex()) == Preamble.FIRST_BYTE) {
            ctx.pipeline().addLast("relay", new RelayInboundHandler(service, timeoutMillis));
        } else {
            peerPipeline.accept(ctx.channel());
        }
        ctx.fireChannelRead(buf);
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
