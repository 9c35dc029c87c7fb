package io.nexo.p2p.files.net;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.ProtobufBuffers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The payloads of the {@value #PROTOCOL} binary frames (see nexo_files.proto): a type byte, then
 * either a protobuf {@link FileMessage} or a block of chunk data behind a fixed header.
 */
public final class FileFrames {

    /** Protocol name of file exchange frames and gossip topic of file announcements. */
    public static final String PROTOCOL = "files/1";
    static final byte TYPE_MESSAGE = 1;
    static final byte TYPE_BLOCK = 2;
    /** Largest block of chunk data in one frame: well under the default 1 MiB frame limit. */
    public static final int BLOCK_SIZE = 256 << 10;
    /** type + file id + chunk index + offset. */
    static final int BLOCK_HEADER = 1 + FileId.BYTES + 4 + 4;

    private FileFrames() {
    }

    /** A decoded frame payload. */
    public sealed interface Decoded {
    }

    /** A control message. */
    public record Message(FileMessage message) implements Decoded {
    }

    /** A block of chunk {@code index}: {@code data} is a retained slice the receiver must release. */
    public record Block(FileId id, int index, int offset, ByteBuf data) implements Decoded {
    }

    /** A frame carrying {@code message}. */
    public static BinaryFrame message(ByteBufAllocator alloc, FileMessage message) {
        int size = message.getSerializedSize();
        ByteBuf buf = alloc.buffer(1 + size);
        buf.writeByte(TYPE_MESSAGE);
        try {
            ProtobufBuffers.write(message, buf);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new IllegalStateException("encoding " + message.getBodyCase() + ": " + e, e);
        }
        return new BinaryFrame(PROTOCOL, buf);
    }

    /**
     * Frames carrying chunk {@code index} in blocks of at most {@link #BLOCK_SIZE}. Each frame is a
     * small header plus a retained slice of {@code data}: the chunk bytes are not copied. The caller
     * still owns (and releases) {@code data}.
     */
    public static List<BinaryFrame> blocks(ByteBufAllocator alloc, FileId id, int index, ByteBuf data) {
        byte[] rawId = id.bytes();
        List<BinaryFrame> frames = new ArrayList<>();
        int length = data.readableBytes();
        int offset = 0;
        do {
            int n = Math.min(BLOCK_SIZE, length - offset);
            ByteBuf header = alloc.buffer(BLOCK_HEADER);
            header.writeByte(TYPE_BLOCK).writeBytes(rawId).writeInt(index).writeInt(offset);
            ByteBuf payload = Unpooled.wrappedBuffer(header, data.retainedSlice(data.readerIndex() + offset, n));
            frames.add(new BinaryFrame(PROTOCOL, payload));
            offset += n;
        } while (offset < length);
        return frames;
    }

    /** True when {@code payload} is a block of chunk data (not decoded, not released). */
    static boolean isBlock(ByteBuf payload) {
        return payload.isReadable() && payload.getByte(payload.readerIndex()) == TYPE_BLOCK;
    }

    /**
     * Parses a frame payload (not released here).
     *
     * @throws IllegalArgumentException for an unknown type or a malformed body
     */
    public static Decoded decode(ByteBuf payload) {
        if (!payload.isReadable()) {
            throw new IllegalArgumentException("empty files/1 frame");
        }
        byte type = payload.getByte(payload.readerIndex());
        if (type == TYPE_MESSAGE) {
            try {
                return new Message(FileMessageLimits.check(ProtobufBuffers.parse(FileMessage.parser(),
                        payload.slice(payload.readerIndex() + 1, payload.readableBytes() - 1))));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException("malformed files/1 message: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new IllegalArgumentException("unreadable files/1 message: " + e.getMessage(), e);
            }
        }
        if (type == TYPE_BLOCK) {
            if (payload.readableBytes() < BLOCK_HEADER + 1) {
                throw new IllegalArgumentException("files/1 block of " + payload.readableBytes()
                        + " bytes (expected: > " + BLOCK_HEADER + ")");
            }
            int at = payload.readerIndex() + 1;
            byte[] rawId = new byte[FileId.BYTES];
            payload.getBytes(at, rawId);
            int index = payload.getInt(at + FileId.BYTES);
            int offset = payload.getInt(at + FileId.BYTES + 4);
            if (index < 0 || offset < 0) {
                throw new IllegalArgumentException("files/1 block with negative index " + index + " or offset " + offset);
            }
            int dataStart = payload.readerIndex() + BLOCK_HEADER;
            return new Block(FileId.of(rawId), index, offset,
                    payload.retainedSlice(dataStart, payload.writerIndex() - dataStart));
        }
        throw new IllegalArgumentException("files/1 frame of unknown type " + type);
    }
}
