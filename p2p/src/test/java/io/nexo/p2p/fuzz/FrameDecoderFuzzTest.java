package io.nexo.p2p.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.nexo.p2p.wire.FrameDecoder;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the frame decoder ({@code uint32 length | kind | body}, protobuf
 * envelopes and binary frames): bytes arrive in fuzzer-chosen pieces, as TCP delivers them. The only
 * acceptable failure is a {@link DecoderException} (the session handler closes that one connection);
 * anything else, or a buffer left unreleased, is a finding. So is an input that makes the decoder
 * allocate more than {@link #ALLOCATION_PER_INPUT_BYTE} bytes of heap per input byte (plus a fixed
 * slack): the decoder is fuzzed for the memory it spends, not only for crashes.
 *
 * <p>{@code mvn verify} replays the corpus in {@code src/test/resources/io/nexo/p2p/fuzz/
 * FrameDecoderFuzzTestInputs/decode}; {@code JAZZER_FUZZ=1} fuzzes (see docs/security.md).
 */
class FrameDecoderFuzzTest {

    /** Small, so that the fuzzer reaches the over-the-limit path with short inputs. */
    private static final int MAX_FRAME_BYTES = 4096;
    /**
     * Heap a decode may allocate per byte it is fed: a protobuf object per few bytes of input (an id
     * of two bytes on the wire becomes a ByteString of ~40) stays well under; a length or count
     * taken from the input and allocated up front would not.
     */
    private static final long ALLOCATION_PER_INPUT_BYTE = 64;
    private static final long ALLOCATION_SLACK = 1 << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    static {
        // load and initialise the decoder and protobuf classes outside the measured decodes
        EmbeddedChannel warm = new EmbeddedChannel(new FrameDecoder(MAX_FRAME_BYTES));
        byte[] ping = io.nexo.p2p.wire.proto.Envelope.newBuilder()
                .setPing(io.nexo.p2p.wire.proto.Ping.newBuilder().setSeq(1)).build().toByteArray();
        warm.writeInbound(Unpooled.buffer().writeInt(1 + ping.length).writeByte(1).writeBytes(ping));
        warm.finishAndReleaseAll();
    }

    @FuzzTest(maxDuration = "10s")
    void decode(FuzzedDataProvider data) {
        List<byte[]> pieces = new ArrayList<>();
        long fedBytes = 0;
        while (data.remainingBytes() > 0) {
            byte[] piece = data.consumeBytes(data.consumeInt(1, 512));
            if (piece.length > 0) {
                pieces.add(piece);
                fedBytes += piece.length;
            }
        }
        // The first pass may load classes the input reaches for the first time (Jazzer instruments
        // each as it loads, on this thread): that is not the decoder's spending, so the bound is
        // checked on a second, identical pass.
        decodeAll(pieces);
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        decodeAll(pieces);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertThat(allocated).as("heap allocated decoding %d bytes", fedBytes)
                .isLessThanOrEqualTo(ALLOCATION_PER_INPUT_BYTE * fedBytes + ALLOCATION_SLACK);
    }

    /** Feeds the pieces to a fresh decoder as TCP would deliver them; every buffer fed must end released. */
    private static void decodeAll(List<byte[]> pieces) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX_FRAME_BYTES));
        List<ByteBuf> fed = new ArrayList<>();
        try {
            for (byte[] piece : pieces) {
                ByteBuf buf = Unpooled.wrappedBuffer(piece);
                fed.add(buf);
                try {
                    channel.writeInbound(buf);
                } catch (DecoderException expected) {
                    break; // malformed or oversized: the connection would be closed here
                }
                Object out;
                while ((out = channel.readInbound()) != null) {
                    ReferenceCountUtil.release(out);
                }
            }
        } finally {
            try {
                channel.finish(); // end of stream: the decoder looks at what is left once more
            } catch (DecoderException expected) {
                // a partial frame over the limit at close: reported, and the channel is closed anyway
            }
            channel.releaseInbound();
            channel.releaseOutbound();
        }
        for (ByteBuf buf : fed) {
            assertThat(buf.refCnt()).as("bytes fed to the decoder are released").isZero();
        }
    }
}
