package io.nexo.p2p.files.net;

import io.nexo.p2p.files.FileId;
import io.nexo.p2p.identity.PeerId;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The chunks this node asked each peer for: only their blocks are assembled, so what a peer can
 * make this node hold is bounded by what was requested from it. The blocks of a chunk cancelled or
 * timed out may still be on the wire: up to the chunk's length of them is dropped quietly for a while
 * ({@link #LATE_NANOS}). Anything else is unrequested: dropped and counted, and a peer that sends more
 * than {@link FileLimits#maxUnrequestedBlocks()} loses its session. Thread-safe; the clock is injected.
 */
final class RequestedChunks {

    /** How a block is treated. */
    enum Verdict {
        /** Of a chunk requested from this peer: assemble it. */
        REQUESTED,
        /** Of a chunk cancelled lately: drop it quietly. */
        LATE,
        /** Nobody asked for it: drop and count it. */
        UNREQUESTED
    }

    /** How long the blocks of a cancelled chunk are tolerated, and a request without answer is kept. */
    static final long LATE_NANOS = 120_000_000_000L;

    private record Key(PeerId peer, FileId id, int index) {
    }

    /** A cancelled chunk: bytes still tolerated, and until when. */
    private static final class Late {
        long bytes;
        final long untilNanos;

        Late(long bytes, long untilNanos) {
            this.bytes = bytes;
            this.untilNanos = untilNanos;
        }
    }

    private final LongSupplier nanoTime;
    private final Map<Key, Long> open = new HashMap<>();
    private final Map<Key, Late> late = new HashMap<>();
    private final Map<PeerId, Integer> strikes = new HashMap<>();

    RequestedChunks(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Chunk {@code index} of {@code id} is about to be requested from {@code peer}. */
    synchronized void requested(PeerId peer, FileId id, int index) {
        Key k = new Key(peer, id, index);
        late.remove(k);
        open.put(k, nanoTime.getAsLong());
    }

    /** The request was cancelled (or timed out): up to {@code chunkLength} bytes of it may still come. */
    synchronized void cancelled(PeerId peer, FileId id, int index, int chunkLength) {
        Key k = new Key(peer, id, index);
        if (open.remove(k) != null) {
            late.put(k, new Late(chunkLength, nanoTime.getAsLong() + LATE_NANOS));
        }
    }

    /** The chunk arrived whole: later blocks of it are unrequested. */
    synchronized void arrived(PeerId peer, FileId id, int index) {
        open.remove(new Key(peer, id, index));
    }

    /** How to treat a block of {@code bytes} of chunk {@code index} of {@code id} from {@code peer}. */
    synchronized Verdict check(PeerId peer, FileId id, int index, int bytes) {
        Key k = new Key(peer, id, index);
        if (open.containsKey(k)) {
            return Verdict.REQUESTED;
        }
        Late l = late.get(k);
        if (l != null && l.bytes >= bytes) {
            l.bytes -= bytes;
            if (l.bytes == 0) {
                late.remove(k);
            }
            return Verdict.LATE;
        }
        return Verdict.UNREQUESTED;
    }

    /** Counts one unrequested block from {@code peer}; returns how many it has sent. */
    synchronized int strike(PeerId peer) {
        return strikes.merge(peer, 1, Integer::sum);
    }

    /** The peer left: its requests and strikes are forgotten. */
    synchronized void forget(PeerId peer) {
        open.keySet().removeIf(k -> k.peer().equals(peer));
        late.keySet().removeIf(k -> k.peer().equals(peer));
        strikes.remove(peer);
    }

    /**
     * Forgets requests that got no answer for {@link #LATE_NANOS} (the peer refused, or the download
     * ended without cancels) and tolerances that ran out. Call about once a second.
     */
    synchronized void expire() {
        long now = nanoTime.getAsLong();
        open.values().removeIf(at -> now - at >= LATE_NANOS);
        for (Iterator<Late> it = late.values().iterator(); it.hasNext(); ) {
            if (now - it.next().untilNanos >= 0) {
                it.remove();
            }
        }
    }

    /** Requests open now (for tests). */
    synchronized int open() {
        return open.size();
    }
}
