package io.nexo.p2p.gossip;

import java.time.Duration;
import java.util.Objects;

/**
 * Every gossip parameter in one place, with gossipsub's values as the reference where they apply.
 *
 * @param mode           {@link Mode#PLUMTREE} (default) or {@link Mode#FLOOD} (the baseline)
 * @param hopLimit       a message that travelled more hops is dropped (bounds a runaway message)
 * @param seenTtl        how long a message id is remembered to suppress copies (gossipsub: 120 s)
 * @param seenCapacity   at most this many ids are remembered (oldest forgotten first)
 * @param cacheTtl       how long whole messages are kept to answer a Graft (gossipsub mcache: ~5 heartbeats)
 * @param cacheCapacity  at most this many whole messages are kept
 * @param cacheBytes     and at most this many bytes of them (oldest dropped first): 10 000 maximum-size
 *                       messages would be 10 GiB
 * @param graftTimeout   Plumtree: after an IHave for an unknown id, wait this long for the message
 *                       through the tree before asking the announcer (Graft)
 * @param graftRetry     Plumtree: then ask the next announcer after this much longer
 * @param ihaveInterval  Plumtree: lazy announcements are batched for at most this long (gossipsub heartbeat: 1 s)
 * @param eagerFloor     Plumtree: a node keeps at least this many eager links (like gossipsub's D_low):
 *                       it does not prune below it, and grafts lazy peers back up to it. Pure
 *                       Plumtree (0) prunes to a single spanning tree, which concurrent messages
 *                       from many origins keep cutting into pieces that only timers repair; a
 *                       floor of 3 keeps the eager graph connected at about one duplicate per delivery
 * @param maxMissing     Plumtree: ids announced by IHave but not yet received that are tracked (each
 *                       holds an entry and a timer); more announcements are ignored until some resolve
 * @param maxMissingPerPeer of those, at most this many first announced by one peer: a peer announcing
 *                       ids that never come cannot crowd out the others'
 * @param backupWait     Plumtree backup links, or {@link Duration#ZERO} for none (the default). With
 *                       backups, a duplicate from an eager peer while the node is at its floor does
 *                       not keep the link eager: it is pruned softly (Prune with {@code backup}), and
 *                       the peer announces new ids on it at once instead of pushing them whole. The
 *                       floor then counts eager links and backups, and a node that hears of an id
 *                       from a backup grafts it after this wait rather than {@code graftTimeout}.
 *                       The eager links settle into a tree (no duplicates) while every node keeps
 *                       {@code eagerFloor} fast paths. Off by default: on a loaded network whose hops
 *                       take longer than this wait, backups graft needlessly and duplicates rise
 *                       (docs/benchmarks.md, "Fewer duplicates"); a node whose own timers run that
 *                       late falls back to the plain floor for a while ({@link BackupFallback})
 * @param signed         broadcasts are signed by their origin and verified by every node (always, in
 *                       production). False only for the benchmark's comparison of the cost of
 *                       signing: such a node sends unsigned messages with random ids and accepts
 *                       any message, forgeries included, so it cannot take part in a real network
 */
public record GossipParams(Mode mode, int hopLimit, Duration seenTtl, int seenCapacity,
                           Duration cacheTtl, int cacheCapacity, Duration graftTimeout,
                           Duration graftRetry, Duration ihaveInterval, int eagerFloor, long cacheBytes,
                           int maxMissing, int maxMissingPerPeer, Duration backupWait, boolean signed) {

    /** How a message is pushed. */
    public enum Mode {
        /** Epidemic broadcast tree: eager push along a spanning tree, lazy IHave elsewhere. */
        PLUMTREE,
        /** Every node forwards every new message to every neighbour but the sender. */
        FLOOD
    }

    /** 64 MiB of cached messages: 30 s of a busy network (2 MiB/s of broadcasts), or 64 maximum-size ones. */
    public static final long DEFAULT_CACHE_BYTES = 64L << 20;

    public GossipParams {
        Objects.requireNonNull(mode, "mode");
        if (hopLimit < 1 || hopLimit > 255) {
            throw new IllegalArgumentException("hopLimit: " + hopLimit + " (expected: 1-255)");
        }
        if (seenCapacity < 16) {
            throw new IllegalArgumentException("seenCapacity: " + seenCapacity + " (expected: >= 16)");
        }
        if (cacheCapacity < 16) {
            throw new IllegalArgumentException("cacheCapacity: " + cacheCapacity + " (expected: >= 16)");
        }
        for (Duration d : new Duration[] {seenTtl, cacheTtl, graftTimeout, graftRetry, ihaveInterval}) {
            Objects.requireNonNull(d, "duration");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("gossip durations must be > 0, got " + d);
            }
        }
        if (eagerFloor < 0 || eagerFloor > 64) {
            throw new IllegalArgumentException("eagerFloor: " + eagerFloor + " (expected: 0-64)");
        }
        if (cacheBytes < 1 << 20) {
            throw new IllegalArgumentException("cacheBytes: " + cacheBytes + " (expected: >= 1 MiB)");
        }
        if (maxMissing < 16) {
            throw new IllegalArgumentException("maxMissing: " + maxMissing + " (expected: >= 16)");
        }
        if (maxMissingPerPeer < 1 || maxMissingPerPeer > maxMissing) {
            throw new IllegalArgumentException("maxMissingPerPeer: " + maxMissingPerPeer
                    + " (expected: 1-maxMissing " + maxMissing + ")");
        }
        Objects.requireNonNull(backupWait, "backupWait");
        if (backupWait.isNegative() || backupWait.compareTo(graftTimeout) > 0) {
            throw new IllegalArgumentException("backupWait: " + backupWait + " (expected: 0 (off) to graftTimeout "
                    + graftTimeout + ")");
        }
        if (cacheTtl.compareTo(seenTtl) > 0) {
            throw new IllegalArgumentException("cacheTtl: " + cacheTtl + " (expected: <= seenTtl " + seenTtl + ")");
        }
    }

    public static GossipParams defaults() {
        return new GossipParams(Mode.PLUMTREE, 32, Duration.ofSeconds(120), 100_000,
                Duration.ofSeconds(30), 10_000, Duration.ofMillis(400), Duration.ofMillis(200),
                Duration.ofMillis(250), 3, DEFAULT_CACHE_BYTES, 4096, 1024, Duration.ZERO, true);
    }

    public GossipParams withEagerFloor(int floor) {
        return new GossipParams(mode, hopLimit, seenTtl, seenCapacity, cacheTtl, cacheCapacity,
                graftTimeout, graftRetry, ihaveInterval, floor, cacheBytes, maxMissing, maxMissingPerPeer, backupWait, signed);
    }

    public GossipParams withMode(Mode m) {
        return new GossipParams(m, hopLimit, seenTtl, seenCapacity, cacheTtl, cacheCapacity,
                graftTimeout, graftRetry, ihaveInterval, eagerFloor, cacheBytes, maxMissing, maxMissingPerPeer, backupWait, signed);
    }

    public GossipParams withCacheBytes(long bytes) {
        return new GossipParams(mode, hopLimit, seenTtl, seenCapacity, cacheTtl, cacheCapacity,
                graftTimeout, graftRetry, ihaveInterval, eagerFloor, bytes, maxMissing, maxMissingPerPeer, backupWait, signed);
    }

    public GossipParams withMaxMissing(int total, int perPeer) {
        return new GossipParams(mode, hopLimit, seenTtl, seenCapacity, cacheTtl, cacheCapacity,
                graftTimeout, graftRetry, ihaveInterval, eagerFloor, cacheBytes, total, perPeer, backupWait, signed);
    }

    /** Backup links with this graft wait ({@link Duration#ZERO}: none): see {@link #backupWait()}. */
    public GossipParams withBackupWait(Duration wait) {
        return new GossipParams(mode, hopLimit, seenTtl, seenCapacity, cacheTtl, cacheCapacity,
                graftTimeout, graftRetry, ihaveInterval, eagerFloor, cacheBytes, maxMissing, maxMissingPerPeer, wait, signed);
    }

    /** True when backup links are on. */
    public boolean backups() {
        return !backupWait.isZero();
    }

    /** Signing off is for the benchmark's comparison only: see {@link #signed()}. */
    public GossipParams withSigned(boolean on) {
        return new GossipParams(mode, hopLimit, seenTtl, seenCapacity, cacheTtl, cacheCapacity,
                graftTimeout, graftRetry, ihaveInterval, eagerFloor, cacheBytes, maxMissing, maxMissingPerPeer, backupWait, on);
    }
}
