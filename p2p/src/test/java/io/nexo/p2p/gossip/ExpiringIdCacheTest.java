package io.nexo.p2p.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The seen-message and message caches of gossip, on a manual clock. */
class ExpiringIdCacheTest {

    private final AtomicLong now = new AtomicLong(-5_000); // nanoTime may be negative

    private static ByteString id(long n) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(n * 31).putLong(n).array());
    }

    private ExpiringIdCache map(long ttl, int capacity) {
        return ExpiringIdCache.withValues(ttl, capacity, Long.MAX_VALUE, 7, now::get);
    }

    private static byte[] v(int n) {
        return ByteBuffer.allocate(4).putInt(n).array();
    }

    @Test
    void anIdIsNewOnceUntilItExpires() {
        ExpiringIdCache cache = map(100, 10);
        assertThat(cache.putIfAbsent(id(1), v(1))).isTrue();
        assertThat(cache.putIfAbsent(id(1), v(2))).isFalse();
        assertThat(cache.get(id(1))).isEqualTo(v(1)); // the first value stays
        now.addAndGet(99);
        assertThat(cache.contains(id(1))).isTrue();
        now.addAndGet(1); // exactly the ttl after insertion
        assertThat(cache.contains(id(1))).isFalse();
        assertThat(cache.get(id(1))).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.putIfAbsent(id(1), v(3))).isTrue();
        assertThat(cache.get(id(1))).isEqualTo(v(3));
    }

    @Test
    void entriesExpireEachTtlAfterItsOwnInsertion() {
        ExpiringIdCache cache = map(100, 10);
        cache.putIfAbsent(id(1), v(10));
        now.addAndGet(40);
        cache.putIfAbsent(id(2), v(20));
        now.addAndGet(60); // 1 is 100 old, 2 is 60
        assertThat(cache.contains(id(1))).isFalse();
        assertThat(cache.contains(id(2))).isTrue();
        now.addAndGet(39);
        assertThat(cache.get(id(2))).isEqualTo(v(20));
        now.addAndGet(1);
        assertThat(cache.contains(id(2))).isFalse();
    }

    @Test
    void whenFullTheOldestGoesFirst() {
        ExpiringIdCache cache = map(1_000, 3);
        for (int i = 1; i <= 5; i++) {
            assertThat(cache.putIfAbsent(id(i), v(i))).isTrue();
            now.addAndGet(1);
        }
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.contains(id(1))).isFalse();
        assertThat(cache.contains(id(2))).isFalse();
        assertThat(cache.contains(id(3))).isTrue();
        assertThat(cache.get(id(5))).isEqualTo(v(5));
        // an id pushed out by capacity counts as new again (a replay the bound could not remember)
        assertThat(cache.putIfAbsent(id(1), v(1))).isTrue();
        assertThat(cache.contains(id(3))).isFalse();
    }

    @Test
    void aFloodOfIdsNeverGrowsItPastItsCapacity() {
        ExpiringIdCache cache = ExpiringIdCache.idSet(Long.MAX_VALUE / 2, 1_000, 7, now::get);
        for (int i = 0; i < 100_000; i++) {
            cache.putIfAbsent(id(i));
        }
        assertThat(cache.size()).isEqualTo(1_000);
        assertThat(cache.contains(id(99_000))).isTrue();
        assertThat(cache.contains(id(98_999))).isFalse();
    }

    @Test
    void theWeightBoundDropsTheOldestUntilTheNewcomerFits() {
        ExpiringIdCache cache = ExpiringIdCache.withValues(1_000, 100, 250, 7, now::get);
        cache.putIfAbsent(id(1), new byte[100]);
        cache.putIfAbsent(id(2), new byte[100]);
        assertThat(cache.bytesHeld()).isEqualTo(200);
        cache.putIfAbsent(id(3), new byte[120]); // 320 > 250: the oldest goes
        assertThat(cache.bytesHeld()).isEqualTo(220);
        assertThat(cache.contains(id(1))).isFalse();
        assertThat(cache.get(id(3))).hasSize(120);
        now.addAndGet(1_000);
        assertThat(cache.contains(id(3))).isFalse();
        assertThat(cache.bytesHeld()).isZero();
    }

    @Test
    void idsOfAnyOtherLengthAreAbsentAndCannotBeAdded() {
        ExpiringIdCache cache = map(100, 10);
        ByteString shortId = ByteString.copyFrom(new byte[15]);
        assertThat(cache.contains(shortId)).isFalse();
        assertThat(cache.get(ByteString.EMPTY)).isNull();
        assertThatThrownBy(() -> cache.putIfAbsent(ByteString.copyFrom(new byte[17]), v(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17 bytes");
        assertThat(cache.size()).isZero();
    }

    @Test
    void aValueOverTheByteBoundEmptiesTheCacheAndIsNotKept() {
        ExpiringIdCache cache = ExpiringIdCache.withValues(1_000, 100, 250, 7, now::get);
        cache.putIfAbsent(id(1), new byte[100]);
        assertThat(cache.putIfAbsent(id(2), new byte[251])).isTrue();
        assertThat(cache.size()).isZero();
        assertThat(cache.bytesHeld()).isZero();
        assertThat(cache.get(id(2))).isNull();
    }

    /**
     * The flat tables against a LinkedHashMap doing the same, through growth and shrinking of both
     * rings, values that wrap around the end of the byte ring, expiry, eviction by count and by
     * bytes, and ids that share their first or last eight bytes; the ids come from a small range so
     * that many are asked for again while present, after they expired and after eviction.
     */
    @Test
    void behavesLikeAnInsertionOrderedMapWithExpiry() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 30; round++) {
            int capacity = 1 + random.nextInt(300);
            long ttl = 1 + random.nextInt(500);
            long maxBytes = 1 + random.nextInt(20_000);
            ExpiringIdCache cache = ExpiringIdCache.withValues(ttl, capacity, maxBytes, random.nextLong(), now::get);
            LinkedHashMap<ByteString, Held> model = new LinkedHashMap<>();
            long[] held = {0};
            int range = 1 + random.nextInt(4 * capacity);
            for (int op = 0; op < 5_000; op++) {
                now.addAndGet(random.nextInt(3));
                long n = random.nextInt(range);
                ByteString id = random.nextBoolean() ? id(n)
                        : ByteString.copyFrom(ByteBuffer.allocate(16).putLong(n % 3).putLong(n / 3 * 7).array());
                expire(model, held, now.get());
                switch (random.nextInt(3)) {
                    case 0 -> {
                        byte[] value = new byte[random.nextInt(400)];
                        random.nextBytes(value);
                        boolean added = !model.containsKey(id);
                        if (added) {
                            while (!model.isEmpty() && held[0] + value.length > maxBytes) {
                                removeEldest(model, held);
                            }
                            if (value.length <= maxBytes) {
                                if (model.size() == capacity) {
                                    removeEldest(model, held);
                                }
                                model.put(id, new Held(value, now.get() + ttl));
                                held[0] += value.length;
                            }
                        }
                        assertThat(cache.putIfAbsent(id, value)).isEqualTo(added);
                    }
                    case 1 -> assertThat(cache.contains(id)).isEqualTo(model.containsKey(id));
                    default -> {
                        Held e = model.get(id);
                        assertThat(cache.get(id)).isEqualTo(e == null ? null : e.value());
                    }
                }
                assertThat(cache.size()).isEqualTo(model.size());
                assertThat(cache.bytesHeld()).isEqualTo(held[0]);
            }
        }
    }

    private record Held(byte[] value, long expiresAt) { }

    private static void expire(LinkedHashMap<ByteString, Held> model, long[] held, long now) {
        while (!model.isEmpty() && model.values().iterator().next().expiresAt() - now <= 0) {
            removeEldest(model, held);
        }
    }

    private static void removeEldest(LinkedHashMap<ByteString, Held> model, long[] held) {
        Iterator<Map.Entry<ByteString, Held>> it = model.entrySet().iterator();
        held[0] -= it.next().getValue().value().length;
        it.remove();
    }
}
