package io.nexo.p2p.gossip;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A bounded map whose entries expire {@code ttl} after insertion; oldest entries go first when full.
 * Since every entry lives equally long, insertion order is expiry order and eviction looks only at
 * the head. Not thread-safe (used on the node's control thread).
 */
final class ExpiringIdCache<K, V> {
    private record Entry<V>(V value, long expiresAtNanos) { }

    private final LinkedHashMap<K, Entry<V>> map = new LinkedHashMap<>();
    private final long ttlNanos;
    private final int capacity;
    private final LongSupplier nanoTime;

    ExpiringIdCache(long ttlNanos, int capacity, LongSupplier nanoTime) {
        this.ttlNanos = ttlNanos;
        this.capacity = capacity;
        this.nanoTime = nanoTime;
    }

    /** Adds {@code key} unless present; true when it was new. */
    boolean putIfAbsent(K key, V value) {
        long now = nanoTime.getAsLong();
        evict(now);
        if (map.containsKey(key)) {
            return false;
        }
        map.put(key, new Entry<>(value, now + ttlNanos));
        while (map.size() > capacity) {
            Iterator<K> it = map.keySet().iterator();
            it.next();
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

    private void evict(long now) {
        Iterator<Map.Entry<K, Entry<V>>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue().expiresAtNanos() - now <= 0) {
                it.remove();
            } else {
                break;
            }
        }
    }
}
