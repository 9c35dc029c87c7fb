package io.nexo.p2p.wire;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Ping;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameDecoderTest {

    private static ByteBuf encode(Object... msgs) {
        EmbeddedChannel enc = new EmbeddedChannel(FrameEncoder.INSTANCE);
        for (Object m : msgs) {
            enc.writeOutbound(m);
        }
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = enc.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    @Test
    void envelopesAndBinaryFramesSurviveAnyFragmentation() {
        Envelope ping = Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(42)).build();
        BinaryFrame chunk = new BinaryFrame("files/1", Unpooled.wrappedBuffer("chunk-bytes".getBytes(StandardCharsets.US_ASCII)));
        ByteBuf bytes = encode(ping, chunk, ping);
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(1024));
            ByteBuf copy = bytes.copy();
            while (copy.isReadable()) {
                int n = Math.min(copy.readableBytes(), 1 + random.nextInt(7));
                dec.writeInbound(copy.readRetainedSlice(n));
            }
            copy.release();
            assertThat((Envelope) dec.readInbound()).isEqualTo(ping);
            BinaryFrame got = dec.readInbound();
            assertThat(got.protocol()).isEqualTo("files/1");
            assertThat(got.content().toString(StandardCharsets.US_ASCII)).isEqualTo("chunk-bytes");
            got.release();
            assertThat((Envelope) dec.readInbound()).isEqualTo(ping);
            assertThat((Object) dec.readInbound()).isNull();
            dec.finishAndReleaseAll();
        }
        bytes.release();
    }

    /**
     * A frame trickled in one byte per read (a peer sending one-byte TLS records slowly) must not
     * cost one cumulation piece per read: past {@link FrameDecoder#MAX_PIECES} they are copied into
     * one buffer, and the frame still decodes whole.
     */
    @Test
    void aFrameTrickledByteByByteKeepsTheCumulationToBoundedPieces() {
        byte[] payload = new byte[100_000];
        new Random(3).nextBytes(payload);
        ByteBuf bytes = encode(new BinaryFrame("files/1", Unpooled.wrappedBuffer(payload)));
        FrameDecoder decoder = new FrameDecoder(1 << 20);
        EmbeddedChannel dec = new EmbeddedChannel(decoder);
        int most = 0;
        while (bytes.isReadable()) {
            dec.writeInbound(bytes.readRetainedSlice(1));
            most = Math.max(most, decoder.cumulatedPieces());
        }
        bytes.release();
        assertThat(most).isBetween(2, FrameDecoder.MAX_PIECES + 1);
        BinaryFrame got = dec.readInbound();
        assertThat(ByteBufUtil.getBytes(got.content())).isEqualTo(payload);
        got.release();
        assertThat(dec.finishAndReleaseAll()).isFalse();
    }

    @Test
    void oversizedFrameIsRefusedFromItsLengthPrefixAlone() {
        EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(1024));
        // only the 4-byte prefix announcing 2 GiB arrives: refused before any body is buffered
        assertThatThrownBy(() -> dec.writeInbound(Unpooled.buffer().writeInt(Integer.MAX_VALUE)))
                .isInstanceOf(TooLongFrameException.class);
        dec.finishAndReleaseAll();
    }

    @Test
    void unknownKindAndGarbageBodyAreCorrupt() {
        EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(1024));
        assertThatThrownBy(() -> dec.writeInbound(Unpooled.buffer().writeInt(2).writeByte(9).writeByte(0)))
                .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("unknown frame kind 9");
        EmbeddedChannel dec2 = new EmbeddedChannel(new FrameDecoder(1024));
        ByteBuf garbage = Unpooled.buffer().writeInt(4).writeByte(WireFormat.KIND_ENVELOPE)
                .writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertThatThrownBy(() -> dec2.writeInbound(garbage)).isInstanceOf(CorruptedFrameException.class);
        dec.finishAndReleaseAll();
        dec2.finishAndReleaseAll();
    }

    @Test
    void unknownEnvelopeFieldsAreIgnoredForForwardCompatibility() {
        // field 99 (unknown to version 1) followed by a ping
        Envelope ping = Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(1)).build();
        ByteString body = ping.toByteString().concat(ByteString.copyFrom(new byte[] {(byte) 0x98, 0x06, 0x01}));
        ByteBuf frame = Unpooled.buffer().writeInt(1 + body.size()).writeByte(WireFormat.KIND_ENVELOPE)
                .writeBytes(body.toByteArray());
        EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(1024));
        dec.writeInbound(frame);
        assertThat(((Envelope) dec.readInbound()).getPing().getSeq()).isEqualTo(1);
        dec.finishAndReleaseAll();
    }
}
