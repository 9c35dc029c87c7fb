package io.nexo.p2p.files;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bounds concurrent uploads: at most {@code maxTotal} chunks being sent at once, and at most
 * {@code maxPerPeer} to any one peer, so one greedy downloader cannot take every slot. A request
 * that finds no slot is refused as busy and the downloader asks another peer or retries later.
 * Each slot is a {@link Lease}, released once (by the completed write, or by the timeout that frees
 * the slot of a peer that does not read: see {@link #overdue} and {@link #progressed}). Thread-safe.
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
    private final Set<Lease<P>> leases = new LinkedHashSet<>();

    /** One slot held for an upload to {@link #peer}; compared by identity. */
    public static final class Lease<P> {
        private final P peer;
        private long writeStartedNanos;
        private boolean writing;

        private Lease(P peer) {
            this.peer = peer;
        }

        public P peer() {
            return peer;
        }
    }

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

    /** Takes a slot for an upload to {@code peer}; null when none is free. */
    public synchronized Lease<P> tryAcquire(P peer) {
        int mine = perPeer.getOrDefault(peer, 0);
        if (leases.size() >= maxTotal || mine >= maxPerPeer) {
            return null;
        }
        perPeer.put(peer, mine + 1);
        Lease<P> lease = new Lease<>(peer);
        leases.add(lease);
        return lease;
    }

    /** The lease's chunk is being written to the peer since {@code nowNanos}: from now on it can be overdue. */
    public synchronized void writing(Lease<P> lease, long nowNanos) {
        lease.writing = true;
        lease.writeStartedNanos = nowNanos;
    }

    /**
     * The peer took data of one of its uploads at {@code nowNanos}: none of its uploads is overdue
     * before a full timeout from now (its later chunks wait behind the earlier ones on one connection).
     */
    public synchronized void progressed(P peer, long nowNanos) {
        for (Lease<P> l : leases) {
            if (l.writing && l.peer.equals(peer)) {
                l.writeStartedNanos = nowNanos;
            }
        }
    }

    /** Returns the slot of {@code lease}; false (nothing done) when it was returned already. */
    public synchronized boolean release(Lease<P> lease) {
        if (!leases.remove(lease)) {
            return false;
        }
        perPeer.computeIfPresent(lease.peer, (k, n) -> n == 1 ? null : n - 1);
        return true;
    }

    /**
     * Leases whose write started, or whose peer last took data, {@code timeoutNanos} or more before
     * {@code nowNanos} (not released here).
     */
    public synchronized List<Lease<P>> overdue(long nowNanos, long timeoutNanos) {
        List<Lease<P>> out = new ArrayList<>();
        for (Lease<P> l : leases) {
            if (l.writing && nowNanos - l.writeStartedNanos >= timeoutNanos) {
                out.add(l);
            }
        }
        return out;
    }

    public synchronized int inUse() {
        return leases.size();
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
