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
 * First handler of every accepted connection: looks at the first byte and builds either the peer
 * pipeline (TLS, 0x16) or the handler of a preamble line ({@link Preamble#FIRST_BYTE}: relay or dial-back),
 * then steps aside. A connection that sends nothing is closed after the handshake timeout.
 */
public final class RelaySniffer extends ChannelInboundHandlerAdapter {

    private final RelayService service;
    private final Consumer<String> dialBacks;
    private final Consumer<Channel> peerPipeline;
    private final long timeoutMillis;
    private ScheduledFuture<?> timer;

    /**
     * @param service   the relay this node serves, or null (relay requests are then refused)
     * @param dialBacks told the nonce (hex) of each dial-back that reached this node
     */
    public RelaySniffer(RelayService service, Consumer<String> dialBacks, Consumer<Channel> peerPipeline,
                        long timeoutMillis) {
        this.service = service;
        this.dialBacks = dialBacks;
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
            ctx.pipeline().addLast("relay", new RelayInboundHandler(service, dialBacks, timeoutMillis));
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
