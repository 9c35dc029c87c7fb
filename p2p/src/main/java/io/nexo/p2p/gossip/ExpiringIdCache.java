package io.nexo.p2p.gossip;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * A bounded map whose entries expire {@code ttl} after insertion; oldest entries go first when full,
 * full meaning over {@code capacity} entries or over {@code maxWeight} in total (each entry weighs
 * what the weigher says: the bytes of a cached message).
 * Since every entry lives equally long, insertion order is expiry order and eviction looks only at
 * the head. Not thread-safe (used on the node's control thread).
 */
final class ExpiringIdCache<K, V> {
    private record Entry<V>(V value, long expiresAtNanos, long weight) { }

    private final LinkedHashMap<K, Entry<V>> map = new LinkedHashMap<>();
    private final long ttlNanos;
    private final int capacity;
    private final LongSupplier nanoTime;
    private final long maxWeight;
    private final ToLongFunction<V> weigher;
    private long weight;

    ExpiringIdCache(long ttlNanos, int capacity, LongSupplier nanoTime) {
        this(ttlNanos, capacity, Long.MAX_VALUE, v -> 0, nanoTime);
    }

    ExpiringIdCache(long ttlNanos, int capacity, long maxWeight, ToLongFunction<V> weigher, LongSupplier nanoTime) {
        this.ttlNanos = ttlNanos;
        this.capacity = capacity;
        this.nanoTime = nanoTime;
        this.maxWeight = maxWeight;
        this.weigher = weigher;
    }

    /** Adds {@code key} unless present; true when it was new. */
    boolean putIfAbsent(K key, V value) {
        long now = nanoTime.getAsLong();
        evict(now);
        if (map.containsKey(key)) {
            return false;
        }
        long w = weigher.applyAsLong(value);
        map.put(key, new Entry<>(value, now + ttlNanos, w));
        weight += w;
        Iterator<Entry<V>> it = map.values().iterator();
        while (map.size() > capacity || weight > maxWeight) {
            weight -= it.next().weight();
            it.remove();
        }
        return true;
    }

    boolean contains(K key) {
        evict(nanoTime.getAsLong());
        return map.containsKey(key);
    }

    V get(K key) {
        evict(nanoTime.getAsLong());
        Entry<V> e = map.get(key);
        return e == null ? null : e.value();
    }

    int size() {
        return map.size();
    }

    /** Total weight of the entries held (0 without a weigher). */
    long weight() {
        return weight;
    }

    private void evict(long now) {
        Iterator<Map.Entry<K, Entry<V>>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Entry<V> e = it.next().getValue();
            if (e.expiresAtNanos() - now <= 0) {
                weight -= e.weight();
                it.remove();
            } else {
                break;
            }
        }
    }
}
