package io.nexo.p2p.gossip;

/**
 * A first-in first-out log of bytes in fixed-size segments: values are appended at the tail,
 * discarded from the head, and read back by the logical offset {@link #append} returned. Growing
 * adds a segment and never moves bytes, and the segment the head leaves becomes the next one the
 * tail needs, so a log that holds a steady amount allocates nothing (its few large arrays, once
 * old, are never copied by the collector again). Not thread-safe.
 */
final class SegmentedByteLog {
    static final int SEGMENT_BYTES = 16 * 1024;

    // circular: segments[(first + i) % segments.length] holds logical segment firstSegment + i
    private byte[][] segments = new byte[4][];
    private int first;
    private int count;
    private long firstSegment;
    private long head;
    private long tail;
    private byte[] spare;
    private long allocated;

    /** Copies {@code value} to the tail; returns the offset to read it at. */
    long append(byte[] value) {
        long at = tail;
        int done = 0;
        while (done < value.length) {
            long segment = tail / SEGMENT_BYTES;
            if (count == 0) {
                firstSegment = segment;
            }
            if (segment - firstSegment == count) {
                addSegment();
            }
            int within = (int) (tail % SEGMENT_BYTES);
            int n = Math.min(value.length - done, SEGMENT_BYTES - within);
            System.arraycopy(value, done, segment(segment), within, n);
            done += n;
            tail += n;
        }
        return at;
    }

    /** A copy of the {@code length} bytes at {@code offset}, which must still be held. */
    byte[] read(long offset, int length) {
        if (offset < head || offset + length > tail) {
            throw new IllegalArgumentException("bytes " + offset + "+" + length + " not in the log [" + head + ", "
                    + tail + ")");
        }
        byte[] value = new byte[length];
        int done = 0;
        while (done < length) {
            long at = offset + done;
            int within = (int) (at % SEGMENT_BYTES);
            int n = Math.min(length - done, SEGMENT_BYTES - within);
            System.arraycopy(segment(at / SEGMENT_BYTES), within, value, done, n);
            done += n;
        }
        return value;
    }

    /** Forgets the oldest {@code length} bytes. */
    void discard(int length) {
        if (length > tail - head) {
            throw new IllegalArgumentException("discard " + length + " of " + (tail - head) + " bytes");
        }
        head += length;
        while (count > 0 && (head == tail || head / SEGMENT_BYTES > firstSegment)) {
            // an empty log keeps no segment but the spare
            spare = segments[first];
            segments[first] = null;
            first = (first + 1) % segments.length;
            firstSegment++;
            count--;
        }
    }

    /** Bytes held. */
    long size() {
        return tail - head;
    }

    /** Segments allocated so far (the tests' view of "allocates nothing"). */
    long segmentsAllocated() {
        return allocated;
    }

    private byte[] segment(long logical) {
        return segments[(int) ((first + (logical - firstSegment)) % segments.length)];
    }

    private void addSegment() {
        if (count == segments.length) {
            byte[][] grown = new byte[segments.length * 2][];
            for (int i = 0; i < count; i++) {
                grown[i] = segments[(first + i) % segments.length];
            }
            segments = grown;
            first = 0;
        }
        byte[] s = spare;
        spare = null;
        if (s == null) {
            s = new byte[SEGMENT_BYTES];
            allocated++;
        }
        segments[(first + count) % segments.length] = s;
        count++;
    }
}
