package io.nexo.p2p.wire;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;

/**
 * Protobuf messages read from and written into Netty buffers in place. Protobuf's stream adapters
 * stage every message in a buffer of their own (4 KiB to read one, up to 4 KiB to write one): in a
 * 1000-node gossip run that was 40% of all the bytes the event loops allocated (docs/benchmarks.md,
 * "Allocation per delivery"). Over a buffer's memory protobuf decodes and encodes directly.
 */
public final class ProtobufBuffers {

    private ProtobufBuffers() {
    }

    /**
     * Parses the readable bytes of {@code buf} (its indexes are left as they are); every byte must
     * belong to the message. Fields of the result are copies: {@code buf} may be released after.
     */
    public static <T extends MessageLite> T parse(Parser<T> parser, ByteBuf buf) throws IOException {
        if (buf.nioBufferCount() == 1) {
            return parser.parseFrom(buf.nioBuffer());
        }
        // a frame spread over several pieces (a large one, from a composite cumulation): rare
        try (ByteBufInputStream in = new ByteBufInputStream(buf.duplicate())) {
            return parser.parseFrom(in);
        }
    }

    /** Appends {@code message} at {@code buf}'s writer index. */
    public static void write(MessageLite message, ByteBuf buf) throws IOException {
        int size = message.getSerializedSize(); // memoized by protobuf: callers that sized the buffer paid for it
        buf.ensureWritable(size);
        if (buf.nioBufferCount() == 1) {
            CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(buf.writerIndex(), size));
            message.writeTo(out);
            out.flush();
            buf.writerIndex(buf.writerIndex() + size);
            return;
        }
        try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
            message.writeTo(out);
        }
    }
}
