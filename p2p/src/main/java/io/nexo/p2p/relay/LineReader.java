package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;

/**
 * Reads the one preamble line of a relayed connection, at most {@link Preamble#MAX_LINE} bytes,
 * printable ASCII only: a longer line or another byte is a violation, and no more than that is ever
 * held. Bytes after the line are handed on with it (the other side may start TLS at once).
 */
public abstract class LineReader extends ChannelInboundHandlerAdapter {

    private final StringBuilder line = new StringBuilder();
    private boolean done;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (buf.isReadable()) {
                byte b = buf.readByte();
                if (b == '\n') {
                    done = true;
                    onLine(ctx, line.toString(), buf.isReadable() ? buf.retain() : null);
                    return;
                }
                if (b < 0x20 || b > 0x7e || line.length() >= Preamble.MAX_LINE - 1) {
                    done = true;
                    onViolation(ctx, b < 0x20 || b > 0x7e ? "a byte that is not printable ASCII in the relay preamble"
                            : "a relay preamble over " + Preamble.MAX_LINE + " bytes");
                    return;
                }
                line.append((char) b);
            }
        } finally {
            buf.release();
        }
    }

    /** The whole line (without {@code \n}); {@code rest} holds what followed it, or is null. */
    protected abstract void onLine(ChannelHandlerContext ctx, String line, ByteBuf rest);

    protected abstract void onViolation(ChannelHandlerContext ctx, String reason);

    protected static ByteBuf ascii(ChannelHandlerContext ctx, String s) {
        return ctx.alloc().buffer(s.length()).writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }
}
