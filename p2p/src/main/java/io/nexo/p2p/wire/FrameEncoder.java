package io.nexo.p2p.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.nexo.p2p.wire.proto.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@link Envelope}s and {@link BinaryFrame}s to frames. A binary payload is passed on as its own
 * buffer after a small header, so bulk bytes are not copied here. A frame over the limit is never
 * put on the wire: the peer would have to drop the session, so it is an error on this side (the
 * write fails, the frame is counted and logged) and the session stays up.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Object> {

    private static final Logger log = LoggerFactory.getLogger(FrameEncoder.class);

    /** No limit: for test peers that must be able to send what a node refuses. */
    public static final FrameEncoder INSTANCE = new FrameEncoder(Integer.MAX_VALUE - WireFormat.LENGTH_BYTES, () -> { });

    private final int maxFrameBytes;
    private final Runnable onOversized;

    /**
     * @param maxFrameBytes the largest {@code length} value sent (kind byte plus body), the peers' limit
     * @param onOversized   counts a refused frame
     */
    public FrameEncoder(int maxFrameBytes, Runnable onOversized) {
        this.maxFrameBytes = maxFrameBytes;
        this.onOversized = onOversized;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof Envelope || msg instanceof BinaryFrame;
    }

    /**
     * One frame holding {@code env}. Used directly to encode a message once and write it to many
     * peers (gossip fan-out): frames that are already {@code ByteBuf}s pass this encoder untouched,
     * so the limit is checked here, before anything is allocated.
     *
     * @throws OversizedFrameException if the frame would exceed {@code maxFrameBytes}
     */
    public static ByteBuf encode(ByteBufAllocator alloc, Envelope env, int maxFrameBytes) throws IOException {
        int size = env.getSerializedSize();
        if (1L + size > maxFrameBytes) {
            throw new OversizedFrameException("refusing to send a " + env.getBodyCase() + " frame of "
                    + (1L + size) + " bytes (limit: " + maxFrameBytes + ")");
        }
        ByteBuf buf = alloc.buffer(WireFormat.LENGTH_BYTES + 1 + size);
        buf.writeInt(1 + size).writeByte(WireFormat.KIND_ENVELOPE);
        try {
            ProtobufBuffers.write(env, buf);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
        return buf;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws IOException {
        try {
            if (msg instanceof Envelope env) {
                out.add(encode(ctx.alloc(), env, maxFrameBytes));
            } else if (msg instanceof BinaryFrame frame) {
                byte[] protocol = frame.protocol().getBytes(StandardCharsets.US_ASCII);
                long length = 2L + protocol.length + frame.content().readableBytes();
                if (length > maxFrameBytes) {
                    throw new OversizedFrameException("refusing to send a binary frame of " + length
                            + " bytes (limit: " + maxFrameBytes + ")");
                }
                ByteBuf header = ctx.alloc().buffer(WireFormat.LENGTH_BYTES + 2 + protocol.length);
                header.writeInt((int) length).writeByte(WireFormat.KIND_BINARY)
                        .writeByte(protocol.length).writeBytes(protocol);
                out.add(header);
                out.add(frame.content().retain());
            }
        } catch (OversizedFrameException e) {
            onOversized.run();
            log.warn("{}: {}", ctx.channel().remoteAddress(), e.getMessage());
            throw e;
        }
    }

    /** A frame this node must not send: over the limit its peers enforce. */
    public static final class OversizedFrameException extends EncoderException {
        public OversizedFrameException(String message) {
            super(message);
        }
    }
}
