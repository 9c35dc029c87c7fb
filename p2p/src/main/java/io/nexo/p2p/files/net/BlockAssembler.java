package io.nexo.p2p.files.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.nexo.p2p.files.FileId;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Puts chunks back together from the blocks they travel in, without copying them: a chunk is a
 * composite of its blocks (each a view of the buffers TLS decrypted into, which the frame decoder
 * keeps in a composite too), hashed and written from there. An earlier version copied each block into
 * one buffer per chunk, because holding blocks pinned the frame decoder's single read buffer, which
 * then had to be reallocated and copied on every read; with the composite cumulation there is no such
 * buffer (profiled: the copy was a sixth of the downloading I/O thread's CPU; docs/benchmarks.md).
 * So that a chunk stays a bounded number of pieces, every block but the chunk's last must carry at
 * least {@link #MIN_BLOCK} bytes (senders send {@link FileFrames#BLOCK_SIZE}); a shorter one is a
 * protocol violation. Blocks of one chunk from one peer
 * must arrive in order (they do: the sender writes them in order on one connection); anything else
 * is a protocol violation. Blocks of a chunk whose first block was discarded (cancelled) are dropped
 * quietly. Thread-safe.
 *
 * @param <P> how the caller names a peer
 */
final class BlockAssembler<P> {

    /** Chunks being assembled from one peer at once, beyond which blocks are refused. */
    static final int MAX_ASSEMBLIES_PER_PEER = 64;
    /** Fewest bytes in a block that does not end its chunk: bounds a chunk's pieces (1024 at 16 MiB). */
    static final int MIN_BLOCK = 16 << 10;

    private record Key<P>(P peer, FileId id, int index) {
    }

    private final ByteBufAllocator alloc;
    private final int minBlock;
    private final Map<Key<P>, CompositeByteBuf> open = new HashMap<>();

    BlockAssembler(ByteBufAllocator alloc) {
        this(alloc, MIN_BLOCK);
    }

    /** @param minBlock fewest bytes in a block that does not end its chunk (tests use small chunks) */
    BlockAssembler(ByteBufAllocator alloc, int minBlock) {
        this.alloc = alloc;
        this.minBlock = minBlock;
    }

    /**
     * Adds a block (taking ownership of {@code data}, which becomes part of the chunk). Returns the
     * whole chunk once its last block arrived: the caller owns and releases it.
     *
     * @throws IllegalArgumentException when the block does not continue the chunk, overruns it, or is
     *                                  short without ending it
     */
    synchronized Optional<ByteBuf> add(P peer, FileId id, int index, int offset, ByteBuf data,
                                                int chunkLength) {
        Key<P> key = new Key<>(peer, id, index);
        CompositeByteBuf chunk = open.get(key);
        if (chunk == null && offset != 0) {
            data.release(); // the tail of a chunk cancelled while it was on the way
            return Optional.empty();
        }
        int have = chunk == null ? 0 : chunk.readableBytes();
        int n = data.readableBytes();
        String violation = null;
        if (offset != have || have + n > chunkLength) {
            violation = "block at offset " + offset + " (" + n + " bytes) of chunk " + index
                    + " does not follow the " + have + " bytes received of " + chunkLength;
        } else if (n < Math.min(minBlock, chunkLength - have)) {
            violation = "block at offset " + offset + " of chunk " + index + " carries " + n
                    + " bytes (expected: at least " + Math.min(minBlock, chunkLength - have) + ")";
        }
        if (violation != null) {
            data.release();
            if (chunk != null) {
                open.remove(key).release();
            }
            throw new IllegalArgumentException(violation);
        }
        if (chunk == null) {
            if (countFor(peer) >= MAX_ASSEMBLIES_PER_PEER) {
                data.release();
                throw new IllegalArgumentException("more than " + MAX_ASSEMBLIES_PER_PEER + " chunks in transit");
            }
            // pieces bounded by the minimum block size: never consolidated (copied) by Netty
            chunk = alloc.compositeDirectBuffer(Integer.MAX_VALUE);
            open.put(key, chunk);
        }
        chunk.addComponent(true, data);
        if (chunk.readableBytes() == chunkLength) {
            open.remove(key);
            return Optional.of(chunk);
        }
        return Optional.empty();
    }

    /** Drops what was received of chunk {@code index} from {@code peer} (cancelled). */
    synchronized void discard(P peer, FileId id, int index) {
        CompositeByteBuf chunk = open.remove(new Key<>(peer, id, index));
        if (chunk != null) {
            chunk.release();
        }
    }

    /** Drops everything in transit from {@code peer} (it left). */
    synchronized void discard(P peer) {
        for (Iterator<Map.Entry<Key<P>, CompositeByteBuf>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key<P>, CompositeByteBuf> e = it.next();
            if (e.getKey().peer().equals(peer)) {
                e.getValue().release();
                it.remove();
            }
        }
    }

    /** Releases everything. */
    synchronized void clear() {
        open.values().forEach(ByteBuf::release);
        open.clear();
    }

    synchronized int inTransit() {
        return open.size();
    }

    private int countFor(P peer) {
        int n = 0;
        for (Key<P> k : open.keySet()) {
            if (k.peer().equals(peer)) {
                n++;
            }
        }
        return n;
    }
}
