package io.nexo.p2p.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProtobufBuffersTest {

    private static final Envelope ENVELOPE;

    static {
        byte[] payload = new byte[5000]; // larger than protobuf's 4 KiB stream buffer
        new Random(7).nextBytes(payload);
        ENVELOPE = Envelope.newBuilder().setGossip(Gossip.newBuilder().setId(ByteString.copyFrom(new byte[16]))
                .setTopic("t").setHops(3).setPayload(ByteString.copyFrom(payload))).build();
    }

    @Test
    void writesAtTheWriterIndexOfHeapAndDirectBuffersAndReadsBack() throws IOException {
        for (ByteBuf buf : new ByteBuf[] {Unpooled.buffer(4), PooledByteBufAllocator.DEFAULT.directBuffer(4)}) {
            try {
                buf.writeInt(0xCAFEBABE);
                ProtobufBuffers.write(ENVELOPE, buf);
                assertThat(buf.readableBytes()).isEqualTo(4 + ENVELOPE.getSerializedSize());
                assertThat(buf.readInt()).isEqualTo(0xCAFEBABE);
                int reader = buf.readerIndex();
                assertThat(ProtobufBuffers.parse(Envelope.parser(), buf)).isEqualTo(ENVELOPE);
                assertThat(buf.readerIndex()).isEqualTo(reader);
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void aMessageSpreadOverSeveralPiecesParsesToo() throws IOException {
        byte[] bytes = ENVELOPE.toByteArray();
        CompositeByteBuf pieces = Unpooled.compositeBuffer();
        pieces.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, 100));
        pieces.addComponent(true, Unpooled.directBuffer(bytes.length).writeBytes(bytes, 100, bytes.length - 100));
        try {
            assertThat(pieces.nioBufferCount()).isEqualTo(2);
            assertThat(ProtobufBuffers.parse(Envelope.parser(), pieces)).isEqualTo(ENVELOPE);
        } finally {
            pieces.release();
        }
    }

    @Test
    void aTruncatedMessageIsRefused() {
        byte[] bytes = ENVELOPE.toByteArray();
        ByteBuf truncated = Unpooled.wrappedBuffer(bytes, 0, bytes.length - 1);
        assertThatThrownBy(() -> ProtobufBuffers.parse(Envelope.parser(), truncated))
                .isInstanceOf(InvalidProtocolBufferException.class);
    }
}
