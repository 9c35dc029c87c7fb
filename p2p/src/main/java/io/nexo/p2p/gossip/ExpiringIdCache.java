package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.wire.WireLimits;
import java.util.function.LongSupplier;

/**
 * A bounded set of 16-byte message ids, each optionally with a byte-array value, whose entries
 * expire {@code ttl} after insertion; oldest entries go first when full, full meaning over
 * {@code capacity} entries or over {@code maxBytes} of values. Since every entry lives equally
 * long, insertion order is expiry order and eviction looks only at the head. Not thread-safe (used
 * on the node's control thread).
 *
 * <p>Everything is stored flat, with no object per entry: the ids as two longs each in a ring kept
 * in insertion order, found through an open-addressing table of ring positions, and the values
 * copied into a {@link SegmentedByteLog} in the same order (entries leave only from the head, so
 * their bytes do too). A node remembers every message id for minutes and every message for
 * seconds, and a process holding many nodes (the gossip benchmark: a thousand) otherwise held
 * millions of map entries, keys and parsed messages, which each young collection traced and copied
 * (into a survivor space, then into the old generation). Arrays of primitives are never traced, and
 * these are reused: once old, they are not copied again. The table's hash is keyed by a random
 * seed per cache, so a peer that chooses message ids cannot aim them at one probe sequence.
 */
final class ExpiringIdCache {
    private static final int MIN_RING = 16;

    private final long ttlNanos;
    private final int capacity;
    private final LongSupplier nanoTime;
    private final long maxBytes;
    private final long seed;

    // the ring of entries: entry i (0 = oldest) sits at (head + i) % hi.length
    private long[] hi;
    private long[] lo;
    private long[] expiresAt;
    private long[] valueAt;    // where the entry's value starts in the log (values only)
    private int[] valueLength; // (values only)
    private int head;
    private int size;
    // open addressing with linear probing: ring position + 1, 0 for an empty slot
    private int[] table;
    private final SegmentedByteLog values; // null for a set of ids

    /** A set of ids, bounded by count. */
    static ExpiringIdCache idSet(long ttlNanos, int capacity, long seed, LongSupplier nanoTime) {
        return new ExpiringIdCache(ttlNanos, capacity, Long.MAX_VALUE, false, seed, nanoTime);
    }

    /** Ids with a byte-array value each, bounded by count and by {@code maxBytes} of values. */
    static ExpiringIdCache withValues(long ttlNanos, int capacity, long maxBytes, long seed, LongSupplier nanoTime) {
        return new ExpiringIdCache(ttlNanos, capacity, maxBytes, true, seed, nanoTime);
    }

    private ExpiringIdCache(long ttlNanos, int capacity, long maxBytes, boolean withValues, long seed,
                            LongSupplier nanoTime) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 1)");
        }
        this.ttlNanos = ttlNanos;
        this.capacity = capacity;
        this.nanoTime = nanoTime;
        this.maxBytes = maxBytes;
        this.seed = seed;
        this.values = withValues ? new SegmentedByteLog() : null;
        allocateEntries(Math.min(capacity, MIN_RING));
    }

    /** Whether {@code id} has the length this cache stores (every other length is absent). */
    static boolean storable(ByteString id) {
        return id.size() == WireLimits.MESSAGE_ID_BYTES;
    }

    /**
     * Adds {@code id} unless present; true when it was new.
     *
     * @throws IllegalArgumentException if the id is not {@value WireLimits#MESSAGE_ID_BYTES} bytes long
     */
    boolean putIfAbsent(ByteString id) {
        return put(id, null);
    }

    /**
     * Adds {@code id} with a copy of {@code value} unless the id is present; true when it was new. A
     * value over {@code maxBytes} empties the cache and is not kept.
     *
     * @throws IllegalArgumentException if the id is not {@value WireLimits#MESSAGE_ID_BYTES} bytes long
     */
    boolean putIfAbsent(ByteString id, byte[] value) {
        if (values == null) {
            throw new IllegalStateException("a set of ids holds no values");
        }
        return put(id, value);
    }

    private boolean put(ByteString id, byte[] value) {
        if (!storable(id)) {
            throw new IllegalArgumentException("message id of " + id.size() + " bytes (expected: "
                    + WireLimits.MESSAGE_ID_BYTES + ")");
        }
        long now = nanoTime.getAsLong();
        evictExpired(now);
        long h = word(id, 0);
        long l = word(id, 8);
        if (find(h, l) >= 0) {
            return false;
        }
        int length = value == null ? 0 : value.length;
        while (size > 0 && bytesHeld() + length > maxBytes) {
            removeOldest();
        }
        if (length > maxBytes) {
            return true;
        }
        if (size == hi.length) {
            if (hi.length < capacity) {
                resizeEntries((int) Math.min(capacity, 2L * hi.length));
            } else {
                removeOldest();
            }
        }
        int pos = (head + size) % hi.length;
        hi[pos] = h;
        lo[pos] = l;
        expiresAt[pos] = now + ttlNanos;
        if (values != null) {
            valueAt[pos] = values.append(value);
            valueLength[pos] = length;
        }
        size++;
        insert(pos);
        return true;
    }

    boolean contains(ByteString id) {
        evictExpired(nanoTime.getAsLong());
        return storable(id) && find(word(id, 0), word(id, 8)) >= 0;
    }

    /** A copy of the value kept with {@code id}, or null. */
    byte[] get(ByteString id) {
        evictExpired(nanoTime.getAsLong());
        if (values == null || !storable(id)) {
            return null;
        }
        int slot = find(word(id, 0), word(id, 8));
        if (slot < 0) {
            return null;
        }
        int pos = table[slot] - 1;
        return values.read(valueAt[pos], valueLength[pos]);
    }

    int size() {
        return size;
    }

    /** Bytes of values held (0 for a set of ids). */
    long bytesHeld() {
        return values == null ? 0 : values.size();
    }

    private void evictExpired(long now) {
        while (size > 0 && expiresAt[head] - now <= 0) {
            removeOldest();
        }
        // a burst filled the ring and has expired since: give most of the memory back (the
        // value log gives back its segments as its head leaves them)
        if (hi.length > MIN_RING && size < hi.length / 4) {
            resizeEntries(Math.max(MIN_RING, hi.length / 2));
        }
    }

    private void removeOldest() {
        int pos = head;
        removeSlot(find(hi[pos], lo[pos]));
        if (values != null) {
            values.discard(valueLength[pos]);
        }
        head = (head + 1) % hi.length;
        size--;
    }

    /** The table slot that holds the ring position of this id, or -1. */
    private int find(long h, long l) {
        int mask = table.length - 1;
        for (int i = home(h, l, mask); ; i = (i + 1) & mask) {
            int p = table[i] - 1;
            if (p < 0) {
                return -1;
            }
            if (hi[p] == h && lo[p] == l) {
                return i;
            }
        }
    }

    private void insert(int pos) {
        int mask = table.length - 1;
        int i = home(hi[pos], lo[pos], mask);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = pos + 1;
    }

    /** Empties a table slot and shifts later members of its probe run back, so no lookup stops short. */
    private void removeSlot(int i) {
        int mask = table.length - 1;
        int j = i;
        while (true) {
            table[i] = 0;
            int k;
            do {
                j = (j + 1) & mask;
                if (table[j] == 0) {
                    return;
                }
                int p = table[j] - 1;
                k = home(hi[p], lo[p], mask);
                // the entry at j stays if its home lies cyclically in (i, j]
            } while (i <= j ? i < k && k <= j : i < k || k <= j);
            table[i] = table[j];
            i = j;
        }
    }

    private int home(long h, long l, int mask) {
        long x = (h ^ seed) * 0x9E3779B97F4A7C15L + l;
        x = (x ^ (x >>> 32)) * 0xD6E8FEB86659FD93L;
        return (int) (x ^ (x >>> 32)) & mask;
    }

    /** Moves the entries, oldest first, into a ring of {@code length} and rebuilds the table. */
    private void resizeEntries(int length) {
        long[] oldHi = hi;
        long[] oldLo = lo;
        long[] oldExpires = expiresAt;
        long[] oldAt = valueAt;
        int[] oldLength = valueLength;
        int oldHead = head;
        allocateEntries(length);
        for (int n = 0; n < size; n++) {
            int from = (oldHead + n) % oldHi.length;
            hi[n] = oldHi[from];
            lo[n] = oldLo[from];
            expiresAt[n] = oldExpires[from];
            if (values != null) {
                valueAt[n] = oldAt[from];
                valueLength[n] = oldLength[from];
            }
            insert(n);
        }
    }

    private void allocateEntries(int length) {
        hi = new long[length];
        lo = new long[length];
        expiresAt = new long[length];
        if (values != null) {
            valueAt = new long[length];
            valueLength = new int[length];
        }
        head = 0;
        // at most half full, so probe runs stay short
        table = new int[Integer.highestOneBit(2 * length - 1) << 1];
    }

    private static long word(ByteString id, int from) {
        long w = 0;
        for (int i = from; i < from + 8; i++) {
            w = w << 8 | (id.byteAt(i) & 0xFF);
        }
        return w;
    }
}
