package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Something this node can serve chunks of: a shared file, or a download in progress (which
 * serves the chunks it already holds and verified). Reads are positional, so any number of
 * uploads may read one source at the same time.
 */
public interface ChunkSource {

    FileManifest manifest();

    /** True when chunk {@code index} is held and verified. */
    boolean hasChunk(int index);

    /** Number of chunks held. */
    int chunksHeld();

    /**
     * The open channel and byte range of chunk {@code index}, for zero-copy senders (a
     * {@code FileRegion}, or a read straight into a direct buffer). The channel stays owned by
     * the source: do not close it.
     *
     * @throws IOException when the chunk is not held or the file changed since it was shared
     */
    Slice slice(int index) throws IOException;

    /**
     * Reads chunk {@code index} into {@code dst} (which must have room for it) with positional
     * reads; on return the chunk's bytes are between the old and the new position.
     */
    default void read(int index, ByteBuffer dst) throws IOException {
        Slice s = slice(index);
        if (dst.remaining() < s.length()) {
            throw new IllegalArgumentException("buffer: " + dst.remaining() + " bytes free (expected: >= "
                    + s.length() + ")");
        }
        long pos = s.offset();
        long end = s.offset() + s.length();
        int limit = dst.limit();
        dst.limit(dst.position() + s.length());
        try {
            while (pos < end) {
                int n = s.channel().read(dst, pos);
                if (n < 0) {
                    throw new IOException("file shrank: " + manifest().name() + " ends before byte " + end);
                }
                pos += n;
            }
        } finally {
            dst.limit(limit);
        }
    }

    /** A chunk's bytes: {@code length} bytes at {@code offset} in {@code channel}. */
    record Slice(FileChannel channel, long offset, int length) {
    }
}
