package io.nexo.p2p.gossip;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which sequence numbers of each origin were already accepted, so a message replayed after the
 * seen-cache forgot its id is still refused (the anti-replay window of IPsec, RFC 4303 3.4.3, per
 * origin). Per origin: the highest seqno accepted and a bitmap of the {@code window} below it;
 * anything at or under {@code highest - window} is refused. At most {@code capacity} origins are
 * remembered, least recently heard first forgotten (then the time bound of
 * {@link GossipVerifier} is what still refuses an old copy). Not thread-safe (control thread).
 */
final class ReplayGuard {

    private final int window;
    private final LinkedHashMap<String, Window> origins;

    private static final class Window {
        long highest;
        final long[] bits;

        Window(long seqno, int window) {
            this.highest = seqno;
            this.bits = new long[window / 64];
        }
    }

    /** @param window a multiple of 64, the seqnos kept below the highest one of an origin */
    ReplayGuard(int window, int capacity) {
        this.window = window;
        this.origins = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
                return size() > capacity;
            }
        };
    }

    /** True when {@code seqno} of {@code origin} was not accepted yet and is inside the window. Changes nothing. */
    boolean fresh(String origin, long seqno) {
        Window w = origins.get(origin);
        if (w == null || Long.compareUnsigned(seqno, w.highest) > 0) {
            return true;
        }
        long behind = w.highest - seqno;
        return Long.compareUnsigned(behind, window) < 0 && !isSet(w, seqno);
    }

    /** Records {@code seqno} of {@code origin} as accepted (call only for a verified, fresh message). */
    void accept(String origin, long seqno) {
        Window w = origins.get(origin);
        if (w == null) {
            w = new Window(seqno, window);
            origins.put(origin, w);
        } else if (Long.compareUnsigned(seqno, w.highest) > 0) {
            long ahead = seqno - w.highest;
            if (Long.compareUnsigned(ahead, window) >= 0) {
                java.util.Arrays.fill(w.bits, 0);
            } else {
                for (long s = w.highest + 1; s != seqno; s++) {
                    clear(w, s);
                }
            }
            w.highest = seqno;
        }
        set(w, seqno);
    }

    int size() {
        return origins.size();
    }

    private int bit(long seqno) {
        return (int) Long.remainderUnsigned(seqno, window);
    }

    private boolean isSet(Window w, long seqno) {
        int b = bit(seqno);
        return (w.bits[b >>> 6] & (1L << (b & 63))) != 0;
    }

    private void set(Window w, long seqno) {
        int b = bit(seqno);
        w.bits[b >>> 6] |= 1L << (b & 63);
    }

    private void clear(Window w, long seqno) {
        int b = bit(seqno);
        w.bits[b >>> 6] &= ~(1L << (b & 63));
    }
}
