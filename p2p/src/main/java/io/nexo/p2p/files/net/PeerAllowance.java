package io.nexo.p2p.files.net;

import io.nexo.p2p.identity.PeerId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What each peer may still cost the file exchange now: a byte budget for the control messages it
 * sends (a token bucket: {@link FileLimits#controlBytesPerSecond()} refilled, up to
 * {@link FileLimits#controlBurstBytes()} saved), and the answers queued for it and not yet taken by
 * its socket ({@link FileLimits#maxQueuedReplies()}, {@link FileLimits#maxQueuedReplyBytes()}).
 * Reservations are checked before the work is done, and refused rather than queued, like libp2p's
 * resource manager. Thread-safe; the clock is injected.
 */
final class PeerAllowance {

    /** Answers queued for one peer; released when the write completes (or fails). */
    static final class Replies {
        private int count;
        private long bytes;

        synchronized void release(long n) {
            count--;
            bytes -= n;
        }
    }

    private static final class Peer {
        final Replies replies = new Replies();
        double tokens;
        long last;

        Peer(double tokens, long now) {
            this.tokens = tokens;
            this.last = now;
        }
    }

    private final FileLimits limits;
    private final LongSupplier nanoTime;
    private final Map<PeerId, Peer> peers = new ConcurrentHashMap<>();

    PeerAllowance(FileLimits limits, LongSupplier nanoTime) {
        this.limits = limits;
        this.nanoTime = nanoTime;
    }

    /** Takes {@code bytes} of {@code peer}'s control budget; false (nothing taken) when it has less. */
    boolean admitControl(PeerId peer, int bytes) {
        Peer p = peer(peer);
        long now = nanoTime.getAsLong();
        synchronized (p) {
            p.tokens = Math.min(limits.controlBurstBytes(),
                    p.tokens + (now - p.last) * (limits.controlBytesPerSecond() / 1e9));
            p.last = now;
            if (p.tokens < bytes) {
                return false;
            }
            p.tokens -= bytes;
            return true;
        }
    }

    /**
     * Reserves room for one answer of {@code bytes} to {@code peer}; null when its queue is full.
     * Release the returned reservation with the same {@code bytes} once the write completed.
     */
    Replies reserveReply(PeerId peer, long bytes) {
        Replies r = peer(peer).replies;
        synchronized (r) {
            if (r.count >= limits.maxQueuedReplies() || r.bytes + bytes > limits.maxQueuedReplyBytes()) {
                return null;
            }
            r.count++;
            r.bytes += bytes;
            return r;
        }
    }

    /** True when {@code peer}'s reply queue has room for one more answer (checked before building it). */
    boolean replyRoom(PeerId peer) {
        Replies r = peer(peer).replies;
        synchronized (r) {
            return r.count < limits.maxQueuedReplies() && r.bytes < limits.maxQueuedReplyBytes();
        }
    }

    /** The peer left: its budgets start afresh if it comes back (queued answers are released by their writes). */
    void forget(PeerId peer) {
        peers.remove(peer);
    }

    private Peer peer(PeerId peer) {
        return peers.computeIfAbsent(peer, k -> new Peer(limits.controlBurstBytes(), nanoTime.getAsLong()));
    }
}
