package io.nexo.p2p.files.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.nexo.p2p.files.FileId;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Puts chunks back together from the blocks they travel in. Each block is copied once into a
 * pooled buffer of the chunk's size and released at once. Keeping the blocks themselves (retained
 * slices) would save that copy but pin the frame decoder's read buffer, which then has to be
 * reallocated and copied on every read: measured, that made transfers twenty times slower.
 * Blocks of one chunk from one peer
 * must arrive in order (they do: the sender writes them in order on one connection); anything else
 * is a protocol violation. Blocks of a chunk whose first block was discarded (cancelled) are dropped
 * quietly. Thread-safe.
 *
 * @param <P> how the caller names a peer
 */
final class BlockAssembler<P> {

    /** Chunks being assembled from one peer at once, beyond which blocks are refused. */
    static final int MAX_ASSEMBLIES_PER_PEER = 64;

    private record Key<P>(P peer, FileId id, int index) {
    }

    private final ByteBufAllocator alloc;
    private final Map<Key<P>, ByteBuf> open = new HashMap<>();

    BlockAssembler(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /**
     * Adds a block (taking ownership of {@code data}). Returns the whole chunk once its last block
     * arrived: the caller owns and releases it.
     *
     * @throws IllegalArgumentException when the block does not continue the chunk or overruns it
     */
    synchronized Optional<ByteBuf> add(P peer, FileId id, int index, int offset, ByteBuf data,
                                                int chunkLength) {
        Key<P> key = new Key<>(peer, id, index);
        ByteBuf chunk = open.get(key);
        if (chunk == null && offset != 0) {
            data.release(); // the tail of a chunk cancelled while it was on the way
            return Optional.empty();
        }
        int have = chunk == null ? 0 : chunk.readableBytes();
        if (offset != have || have + data.readableBytes() > chunkLength) {
            data.release();
            if (chunk != null) {
                open.remove(key).release();
            }
            throw new IllegalArgumentException("block at offset " + offset + " (" + data.readableBytes()
                    + " bytes) of chunk " + index + " does not follow the " + have + " bytes received of "
                    + chunkLength);
        }
        if (chunk == null) {
            if (countFor(peer) >= MAX_ASSEMBLIES_PER_PEER) {
                data.release();
                throw new IllegalArgumentException("more than " + MAX_ASSEMBLIES_PER_PEER + " chunks in transit");
            }
            chunk = alloc.directBuffer(chunkLength, chunkLength);
            open.put(key, chunk);
        }
        try {
            chunk.writeBytes(data);
        } finally {
            data.release();
        }
        if (chunk.readableBytes() == chunkLength) {
            open.remove(key);
            return Optional.of(chunk);
        }
        return Optional.empty();
    }

    /** Drops what was received of chunk {@code index} from {@code peer} (cancelled). */
    synchronized void discard(P peer, FileId id, int index) {
        ByteBuf chunk = open.remove(new Key<>(peer, id, index));
        if (chunk != null) {
            chunk.release();
        }
    }

    /** Drops everything in transit from {@code peer} (it left). */
    synchronized void discard(P peer) {
        for (Iterator<Map.Entry<Key<P>, ByteBuf>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key<P>, ByteBuf> e = it.next();
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
