package io.nexo.p2p.wire;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The encoder never puts a frame over the limit on the wire: the write fails, it is counted, the channel stays open. */
class FrameEncoderTest {

    private static final int LIMIT = 4096;

    private static Envelope app(int payloadBytes) {
        return Envelope.newBuilder().setGossip(Gossip.newBuilder()
                .setPayload(ByteString.copyFrom(new byte[payloadBytes]))).build();
    }

    @Test
    void aFrameAtTheLimitIsSentOneByteMoreIsRefused() {
        AtomicInteger refused = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder(LIMIT, refused::incrementAndGet));
        int payload = LIMIT;
        while (1 + app(payload).getSerializedSize() > LIMIT) {
            payload--;
        }
        assertThat(1 + app(payload).getSerializedSize()).isEqualTo(LIMIT);

        ChannelFuture ok = ch.writeOneOutbound(app(payload));
        ch.flushOutbound();
        assertThat(ok.isSuccess()).isTrue();
        ByteBuf frame = ch.readOutbound();
        assertThat(frame.getInt(0)).isEqualTo(LIMIT);
        frame.release();

        ChannelFuture f = ch.writeOneOutbound(app(payload + 1));
        ch.flushOutbound();
        assertThat(f.isSuccess()).isFalse();
        assertThat(f.cause()).isInstanceOf(FrameEncoder.OversizedFrameException.class);
        assertThat((Object) ch.readOutbound()).as("nothing on the wire").isNull();
        assertThat(refused.get()).isEqualTo(1);
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void anOversizedBinaryFrameIsRefusedAndReleased() {
        AtomicInteger refused = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder(LIMIT, refused::incrementAndGet));
        ByteBuf payload = Unpooled.buffer(LIMIT).writeZero(LIMIT);
        ChannelFuture f = ch.writeOneOutbound(new BinaryFrame("files/1", payload));
        ch.flushOutbound();
        assertThat(f.isSuccess()).isFalse();
        assertThat(payload.refCnt()).as("released").isZero();
        assertThat(refused.get()).isEqualTo(1);
    }
}
