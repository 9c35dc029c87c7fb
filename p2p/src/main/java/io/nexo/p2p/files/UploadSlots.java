package io.nexo.p2p.files;

import java.util.HashMap;
import java.util.Map;

/**
 * Bounds concurrent uploads: at most {@code maxTotal} chunks being sent at once, and at most
 * {@code maxPerPeer} to any one peer, so one greedy downloader cannot take every slot. A request
 * that finds no slot is refused as busy and the downloader asks another peer or retries later.
 * Thread-safe.
 *
 * @param <P> how the caller names a peer
 */
public final class UploadSlots<P> {

    /** Default total: enough to keep a fast link busy with 1 MiB chunks, bounded memory. */
    public static final int DEFAULT_MAX_TOTAL = 16;
    /** Default per peer: matches {@link SchedulerConfig#DEFAULT_MAX_IN_FLIGHT_PER_PEER}. */
    public static final int DEFAULT_MAX_PER_PEER = SchedulerConfig.DEFAULT_MAX_IN_FLIGHT_PER_PEER;

    private final int maxTotal;
    private final int maxPerPeer;
    private final Map<P, Integer> perPeer = new HashMap<>();
    private int total;

    public UploadSlots(int maxTotal, int maxPerPeer) {
        if (maxTotal < 1) {
            throw new IllegalArgumentException("max uploads: " + maxTotal + " (expected: >= 1)");
        }
        if (maxPerPeer < 1 || maxPerPeer > maxTotal) {
            throw new IllegalArgumentException("max uploads per peer: " + maxPerPeer + " (expected: 1-" + maxTotal + ")");
        }
        this.maxTotal = maxTotal;
        this.maxPerPeer = maxPerPeer;
    }

    /** Takes a slot for an upload to {@code peer}; false when none is free. */
    public synchronized boolean tryAcquire(P peer) {
        int mine = perPeer.getOrDefault(peer, 0);
        if (total >= maxTotal || mine >= maxPerPeer) {
            return false;
        }
        perPeer.put(peer, mine + 1);
        total++;
        return true;
    }

    /** Returns a slot taken by {@link #tryAcquire}. */
    public synchronized void release(P peer) {
        Integer mine = perPeer.get(peer);
        if (mine == null) {
            throw new IllegalStateException("no upload slot held by " + peer);
        }
        if (mine == 1) {
            perPeer.remove(peer);
        } else {
            perPeer.put(peer, mine - 1);
        }
        total--;
    }

    public synchronized int inUse() {
        return total;
    }

    public synchronized int inUse(P peer) {
        return perPeer.getOrDefault(peer, 0);
    }

    public int maxTotal() {
        return maxTotal;
    }

    public int maxPerPeer() {
        return maxPerPeer;
    }
}
