package io.nexo.p2p.identity;

import com.google.protobuf.ByteString;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Public keys already parsed, by their exact encoding, so that the messages of one origin are
 * verified with one {@link VerifyingKey} and its precomputed tables (about 4 KiB for a key used
 * once, 20 KiB for one in use with its comb table: at most about 21 MiB with the default bounds). Shared by every node of the process (the
 * benchmark's hundreds): a key is the same public fact whichever node parsed it, and nothing about a
 * signature is remembered here.
 *
 * <p>Bounded against origins that make a new key per message: a segmented LRU. A key seen for the
 * first time enters a small probation segment; only a second use moves it into the protected
 * segment, whose least recently used key goes back to probation when it is full. One-shot keys
 * therefore churn the probation segment only, and cannot push out the keys of origins that keep
 * sending. At most {@code protectedCapacity + probationCapacity} keys are held. Thread-safe.
 */
public final class VerifyingKeys {

    /** Keys kept after a second use: the origins a node hears from regularly. */
    public static final int DEFAULT_PROTECTED = 1024;
    /** Keys seen once. */
    public static final int DEFAULT_PROBATION = 256;

    private final int protectedCapacity;
    private final int probationCapacity;
    private final LinkedHashMap<ByteString, VerifyingKey> protectedKeys = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<ByteString, VerifyingKey> probation = new LinkedHashMap<>(64, 0.75f, true);
    private long hits;
    private long parsed;

    public VerifyingKeys(int protectedCapacity, int probationCapacity) {
        if (protectedCapacity < 1 || protectedCapacity > 1 << 20) {
            throw new IllegalArgumentException("protectedCapacity: " + protectedCapacity + " (expected: 1-1048576)");
        }
        if (probationCapacity < 1 || probationCapacity > 1 << 20) {
            throw new IllegalArgumentException("probationCapacity: " + probationCapacity + " (expected: 1-1048576)");
        }
        this.protectedCapacity = protectedCapacity;
        this.probationCapacity = probationCapacity;
    }

    /** The key encoded as {@code encoded}, parsed now or found parsed; empty when it is not a P-256 key. */
    public Optional<VerifyingKey> get(ByteString encoded) {
        synchronized (this) {
            VerifyingKey k = protectedKeys.get(encoded);
            if (k != null) {
                hits++;
                return Optional.of(k);
            }
            k = probation.remove(encoded);
            if (k != null) {
                hits++;
                promote(encoded, k);
                return Optional.of(k);
            }
        }
        // parsed outside the lock; two threads parsing the same new key at once both succeed
        byte[] bytes = encoded.toByteArray();
        Optional<VerifyingKey> fresh = VerifyingKey.parse(bytes);
        // kept under a copy of its own: the lookup's ByteString may be a view into a whole message
        fresh.ifPresent(k -> admit(ByteString.copyFrom(bytes), k));
        return fresh;
    }

    private synchronized void admit(ByteString encoded, VerifyingKey k) {
        parsed++;
        if (!protectedKeys.containsKey(encoded)) {
            probation.put(encoded, k);
            trim(probation, probationCapacity);
        }
    }

    private void promote(ByteString encoded, VerifyingKey k) {
        protectedKeys.put(encoded, k);
        if (protectedKeys.size() > protectedCapacity) {
            Map.Entry<ByteString, VerifyingKey> eldest = protectedKeys.entrySet().iterator().next();
            protectedKeys.remove(eldest.getKey());
            probation.put(eldest.getKey(), eldest.getValue());
            trim(probation, probationCapacity);
        }
    }

    private static void trim(LinkedHashMap<ByteString, VerifyingKey> segment, int capacity) {
        while (segment.size() > capacity) {
            segment.remove(segment.keySet().iterator().next());
        }
    }

    /** Lookups answered with a key parsed before. */
    public synchronized long hits() {
        return hits;
    }

    /** Keys parsed (lookups that missed and found a valid key). */
    public synchronized long parsed() {
        return parsed;
    }

    /** Keys held now, both segments. */
    public synchronized int size() {
        return protectedKeys.size() + probation.size();
    }

    /** True when {@code encoded} is held in the protected segment (for tests). */
    synchronized boolean isProtected(ByteString encoded) {
        return protectedKeys.containsKey(encoded);
    }
}
