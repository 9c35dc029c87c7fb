package io.nexo.p2p.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.nexo.p2p.wire.proto.Envelope;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Bytes to {@link Envelope}s and {@link BinaryFrame}s. A frame longer than the limit is refused as
 * soon as its length prefix is read (fail fast, nothing allocated for it); an unknown kind or an
 * unparseable body raises a {@link CorruptedFrameException}, and an envelope that breaks a field
 * bound ({@link EnvelopeValidator}) a {@link WireLimitException}. Either way the session handler closes
 * that one connection.
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    private final int maxFrameBytes;

    /** @param maxFrameBytes the largest {@code length} value accepted (kind byte plus body) */
    public FrameDecoder(int maxFrameBytes) {
        super(maxFrameBytes + WireFormat.LENGTH_BYTES, 0, WireFormat.LENGTH_BYTES, 0,
                WireFormat.LENGTH_BYTES, true);
        this.maxFrameBytes = maxFrameBytes;
        setCumulator(FrameDecoder::cumulate);
    }

    /**
     * Pieces a cumulation may hold before they are copied into one buffer: a peer that trickles a frame
     * in tiny reads costs at most this many pieces, and a copy of at most the cumulation every this
     * many reads.
     */
    static final int MAX_PIECES = 256;

    /**
     * TLS hands over ~16 KiB of plaintext at a time, so a 256 KiB file block spans many reads: the
     * default cumulator copied every byte of it into one buffer, and the block was then copied again
     * into its chunk. A composite keeps the decrypted buffers as they are (a frame is a view of them),
     * which saves that copy on the I/O thread (profiled: docs/benchmarks.md, File transfer).
     */
    private static ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        ByteBuf out = COMPOSITE_CUMULATOR.cumulate(alloc, cumulation, in);
        // only a composite no frame still views (Netty makes a new one when a frame does)
        if (out instanceof CompositeByteBuf c && c.numComponents() > MAX_PIECES && c.refCnt() == 1) {
            c.consolidate();
        }
        return out;
    }

    /** Pieces the cumulation holds now (1 when it is one buffer). */
    int cumulatedPieces() {
        return internalBuffer() instanceof CompositeByteBuf c ? c.numComponents() : 1;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        ByteBuf frame = (ByteBuf) super.decode(ctx, in);
        if (frame == null) {
            return null;
        }
        try {
            if (!frame.isReadable()) {
                throw new CorruptedFrameException("empty frame");
            }
            byte kind = frame.readByte();
            switch (kind) {
                case WireFormat.KIND_ENVELOPE:
                    Envelope env;
                    try {
                        env = ProtobufBuffers.parse(Envelope.parser(), frame);
                    } catch (IOException e) {
                        throw new CorruptedFrameException("unparseable envelope: " + e.getMessage(), e);
                    }
                    return EnvelopeValidator.check(env);
                case WireFormat.KIND_BINARY:
                    int protocolLength = frame.isReadable() ? frame.readUnsignedByte() : 0;
                    if (protocolLength == 0 || protocolLength > BinaryFrame.MAX_PROTOCOL_LENGTH
                            || frame.readableBytes() < protocolLength) {
                        throw new CorruptedFrameException("bad binary frame header");
                    }
                    // checked before the payload is retained: a name BinaryFrame refuses would leak it
                    if (!ByteBufUtil.isText(frame, frame.readerIndex(), protocolLength, StandardCharsets.US_ASCII)) {
                        throw new CorruptedFrameException("binary frame protocol name is not US-ASCII");
                    }
                    String protocol = frame.readCharSequence(protocolLength, StandardCharsets.US_ASCII).toString();
                    return new BinaryFrame(protocol, frame.retainedSlice());
                default:
                    throw new CorruptedFrameException("unknown frame kind " + kind);
            }
        } finally {
            frame.release();
        }
    }
}
