package io.nexo.p2p.gossip;

import static io.nexo.p2p.gossip.SegmentedByteLog.SEGMENT_BYTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The byte log under the gossip message cache. */
class SegmentedByteLogTest {

    private static byte[] filled(int length, int seed) {
        byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    @Test
    void valuesAcrossSegmentBoundariesReadBackWhole() {
        SegmentedByteLog log = new SegmentedByteLog();
        byte[] small = filled(SEGMENT_BYTES - 10, 1);
        byte[] straddling = filled(30, 2);             // 10 bytes in the first segment, 20 in the next
        byte[] large = filled(3 * SEGMENT_BYTES + 5, 3); // spans four segments
        long a = log.append(small);
        long b = log.append(straddling);
        long c = log.append(large);
        assertThat(log.read(a, small.length)).isEqualTo(small);
        assertThat(log.read(b, straddling.length)).isEqualTo(straddling);
        assertThat(log.read(c, large.length)).isEqualTo(large);
        assertThat(log.size()).isEqualTo(small.length + straddling.length + large.length);
        assertThat(log.segmentsAllocated()).isEqualTo(5);
        log.discard(small.length);
        assertThat(log.read(b, straddling.length)).isEqualTo(straddling);
        assertThatThrownBy(() -> log.read(a, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.discard(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    /** What a message cache does at a steady rate: each segment the head leaves is the tail's next. */
    @Test
    void aLogHoldingASteadyAmountAllocatesNothingMore() {
        SegmentedByteLog log = new SegmentedByteLog();
        ArrayDeque<byte[]> held = new ArrayDeque<>();
        ArrayDeque<Long> at = new ArrayDeque<>();
        for (int i = 0; i < 200; i++) {
            byte[] v = filled(1200, i);
            at.add(log.append(v));
            held.add(v);
        }
        long settled = 0;
        for (int i = 200; i < 20_000; i++) {
            if (i == 1_000) {
                settled = log.segmentsAllocated(); // the window has been at every phase of a segment by now
            }
            log.discard(held.poll().length);
            at.poll();
            byte[] v = filled(1200, i);
            at.add(log.append(v));
            held.add(v);
            assertThat(log.read(at.peek(), 1200)).isEqualTo(held.peek());
        }
        assertThat(log.segmentsAllocated()).isEqualTo(settled);
        // 240 000 bytes span 15 or 16 segments of 16 KiB, plus the one the head just left
        assertThat(settled).isBetween(15L, 17L);
    }

    @Test
    void anEmptiedLogKeepsOnlyOneSpareSegment() {
        SegmentedByteLog log = new SegmentedByteLog();
        log.append(filled(4 * SEGMENT_BYTES, 1));
        log.discard(4 * SEGMENT_BYTES);
        assertThat(log.size()).isZero();
        long before = log.segmentsAllocated();
        long offset = log.append(filled(100, 2)); // the spare serves it
        assertThat(log.segmentsAllocated()).isEqualTo(before);
        assertThat(log.read(offset, 100)).isEqualTo(filled(100, 2));
        log.append(filled(SEGMENT_BYTES, 3)); // the next one is new: only one was kept
        assertThat(log.segmentsAllocated()).isEqualTo(before + 1);
    }
}
