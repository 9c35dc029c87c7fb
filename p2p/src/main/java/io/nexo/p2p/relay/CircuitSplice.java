package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Moves bytes from one side of a {@link Circuit} to the other, with the backpressure of lb's
 * {@code RelayHandler}: {@code AUTO_READ} is off and the next read is asked only while the other
 * side is writable; when it drains, its own splice asks this side to read again. So a side that
 * stops reading costs the relay one write buffer, whatever the other sends.
 */
final class CircuitSplice extends ChannelInboundHandlerAdapter {

    private final Circuit circuit;
    private final Channel other;

    CircuitSplice(Circuit circuit, Channel other) {
        this.circuit = circuit;
        this.other = other;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || !circuit.carry(buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        other.write(buf).addListener(f -> {
            if (!f.isSuccess()) {
                circuit.close(null);
            }
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        other.flush();
        if (other.isWritable()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            other.read(); // this side drained: the other may send more
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        circuit.close(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        circuit.close(null);
    }
}
