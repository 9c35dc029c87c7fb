package io.nexo.p2p.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The seen-message and message caches of gossip, on a manual clock. */
class ExpiringIdCacheTest {

    private final AtomicLong now = new AtomicLong(-5_000); // nanoTime may be negative

    @Test
    void anIdIsNewOnceUntilItExpires() {
        ExpiringIdCache<String, Integer> cache = new ExpiringIdCache<>(100, 10, now::get);
        assertThat(cache.putIfAbsent("a", 1)).isTrue();
        assertThat(cache.putIfAbsent("a", 2)).isFalse();
        assertThat(cache.get("a")).isEqualTo(1); // the first value stays
        now.addAndGet(99);
        assertThat(cache.contains("a")).isTrue();
        now.addAndGet(1); // exactly the ttl after insertion
        assertThat(cache.contains("a")).isFalse();
        assertThat(cache.get("a")).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.putIfAbsent("a", 3)).isTrue();
        assertThat(cache.get("a")).isEqualTo(3);
    }

    @Test
    void entriesExpireEachTtlAfterItsOwnInsertion() {
        ExpiringIdCache<String, String> cache = new ExpiringIdCache<>(100, 10, now::get);
        cache.putIfAbsent("a", "A");
        now.addAndGet(40);
        cache.putIfAbsent("b", "B");
        now.addAndGet(60); // a is 100 old, b 60
        assertThat(cache.contains("a")).isFalse();
        assertThat(cache.contains("b")).isTrue();
        now.addAndGet(39);
        assertThat(cache.get("b")).isEqualTo("B");
        now.addAndGet(1);
        assertThat(cache.contains("b")).isFalse();
    }

    @Test
    void whenFullTheOldestGoesFirst() {
        ExpiringIdCache<Integer, Integer> cache = new ExpiringIdCache<>(1_000, 3, now::get);
        for (int i = 1; i <= 5; i++) {
            assertThat(cache.putIfAbsent(i, i)).isTrue();
            now.addAndGet(1);
        }
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.contains(1)).isFalse();
        assertThat(cache.contains(2)).isFalse();
        assertThat(cache.contains(3)).isTrue();
        assertThat(cache.contains(5)).isTrue();
        // an id pushed out by capacity counts as new again (a replay the bound could not remember)
        assertThat(cache.putIfAbsent(1, 1)).isTrue();
        assertThat(cache.contains(3)).isFalse();
    }

    @Test
    void aFloodOfIdsNeverGrowsItPastItsCapacity() {
        ExpiringIdCache<Integer, Boolean> cache = new ExpiringIdCache<>(Long.MAX_VALUE / 2, 1_000, now::get);
        for (int i = 0; i < 100_000; i++) {
            cache.putIfAbsent(i, Boolean.TRUE);
        }
        assertThat(cache.size()).isEqualTo(1_000);
        assertThat(cache.contains(99_000)).isTrue();
        assertThat(cache.contains(98_999)).isFalse();
    }
}
