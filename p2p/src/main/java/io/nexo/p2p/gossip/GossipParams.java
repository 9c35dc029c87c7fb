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
 * @param graftTimeout   Plumtree: after an IHave for an unknown id, wait this long for the message
 *                       through the tree before asking the announcer (Graft)
 * @param graftRetry     Plumtree: then ask the next announcer after this much longer
 * @param ihaveInterval  Plumtree: lazy announcements are batched for at most this long (gossipsub heartbeat: 1 s)
 */
public record GossipParams(Mode mode, int hopLimit, Duration seenTtl, int seenCapacity,
                           Duration cacheTtl, int cacheCapacity, Duration graftTimeout,
                           Duration graftRetry, Duration ihaveInterval) {

    /** How a message is pushed. */
    public enum Mode {
        /** Epidemic broadcast tree: eager push along a spanning tree, lazy IHave elsewhere. */
        PLUMTREE,
        /** Every node forwards every new message to every neighbour but the sender. */
        FLOOD
    }

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
        if (cacheTtl.compareTo(seenTtl) > 0) {
            throw new IllegalArgumentException("cacheTtl: " + cacheTtl + " (expected: <= seenTtl " + seenTtl + ")");
        }
    }

    public static GossipParams defaults() {
        return new GossipParams(Mode.PLUMTREE, 32, Duration.ofSeconds(120), 100_000,
                Duration.ofSeconds(30), 10_000, Duration.ofMillis(400), Duration.ofMillis(200),
                Duration.ofMillis(20));
    }

    public GossipParams withMode(Mode m) {
        return new GossipParams(m, hopLimit, seenTtl, seenCapacity, cacheTtl, cacheCapacity,
                graftTimeout, graftRetry, ihaveInterval);
    }
}
