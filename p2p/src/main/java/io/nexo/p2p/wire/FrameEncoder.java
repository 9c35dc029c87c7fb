package io.nexo.p2p.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.nexo.p2p.wire.proto.Envelope;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@link Envelope}s and {@link BinaryFrame}s to frames. A binary payload is passed on as its own
 * buffer after a small header, so bulk bytes are not copied here.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Object> {

    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof Envelope || msg instanceof BinaryFrame;
    }

    /**
     * One frame holding {@code env}. Used directly to encode a message once and write it to many
     * peers (gossip fan-out): frames that are already {@code ByteBuf}s pass this encoder untouched.
     */
    public static ByteBuf encode(ByteBufAllocator alloc, Envelope env) throws IOException {
        int size = env.getSerializedSize();
        ByteBuf buf = alloc.buffer(WireFormat.LENGTH_BYTES + 1 + size);
        buf.writeInt(1 + size).writeByte(WireFormat.KIND_ENVELOPE);
        try (ByteBufOutputStream stream = new ByteBufOutputStream(buf)) {
            env.writeTo(stream);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
        return buf;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws IOException {
        if (msg instanceof Envelope env) {
            out.add(encode(ctx.alloc(), env));
        } else if (msg instanceof BinaryFrame frame) {
            byte[] protocol = frame.protocol().getBytes(StandardCharsets.US_ASCII);
            long length = 2L + protocol.length + frame.content().readableBytes();
            if (length > Integer.MAX_VALUE) {
                throw new EncoderException("binary frame too large: " + length + " bytes");
            }
            ByteBuf header = ctx.alloc().buffer(WireFormat.LENGTH_BYTES + 2 + protocol.length);
            header.writeInt((int) length).writeByte(WireFormat.KIND_BINARY)
                    .writeByte(protocol.length).writeBytes(protocol);
            out.add(header);
            out.add(frame.content().retain());
        }
    }
}
