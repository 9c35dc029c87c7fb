package io.nexo.p2p.identity;

import com.google.protobuf.ByteString;

import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signatures already found valid by a node of this process (broadcasts, peer records), shared by
 * the nodes that run in one process (the benchmark's thousand): each distinct signed message then
 * costs one ECDSA verification per process instead of one per node. A node still makes every other
 * check itself (id, key to peer id, age, replay); only the verification of identical bytes is skipped.
 *
 * <p>An entry is the SHA-256 of everything a verification depends on (the public key and the
 * signature, length-prefixed, then the digest of the domain prefix and signed bytes, which is what
 * ECDSA signs: {@link Signatures#digest}), so a hit means the very same signature over the very same
 * content by the very same key: a tampered copy hashes elsewhere and is verified (and refused) in
 * full. The caller computes the message digest once, for this key and for the verification. Only valid signatures are remembered. Bounded: the
 * oldest entries go first. Thread-safe (the nodes' event loops share it). A node alone in its
 * process uses {@link #none()}, which remembers nothing.
 */
public final class VerifiedSignatures {

    /** Entries remembered when shared: a few minutes of 100 messages/s, about 5 MiB at most. */
    public static final int DEFAULT_CAPACITY = 1 << 15;

    private static final VerifiedSignatures NONE = new VerifiedSignatures(0);

    private final int capacity;
    private final Map<ByteString, Boolean> valid;
    private long hits;

    /** @param capacity entries remembered (0: remember nothing, every check verifies) */
    public VerifiedSignatures(int capacity) {
        if (capacity < 0 || capacity > 1 << 24) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 0-16777216)");
        }
        this.capacity = capacity;
        this.valid = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteString, Boolean> eldest) {
                return size() > VerifiedSignatures.this.capacity;
            }
        };
    }

    /** Remembers nothing: for a node alone in its process. */
    public static VerifiedSignatures none() {
        return NONE;
    }

    /** A memo to share between the nodes of one process. */
    public static VerifiedSignatures shared() {
        return new VerifiedSignatures(DEFAULT_CAPACITY);
    }

    /**
     * The memo key of a check of {@code signature} by {@code key} over the message whose
     * {@link Signatures#digest} is {@code digest}, or null when nothing is remembered (then the other
     * methods do nothing).
     */
    public ByteString keyOf(ByteString key, ByteString signature, byte[] digest) {
        if (capacity == 0) {
            return null;
        }
        MessageDigest sha = Signatures.sha256();
        Signatures.updateInt(sha, key.size());
        Signatures.updateInt(sha, signature.size());
        Signatures.updateInt(sha, digest.length);
        Signatures.update(sha, key);
        Signatures.update(sha, signature);
        sha.update(digest);
        return ByteString.copyFrom(sha.digest());
    }

    /** True when a check with this memo key was found valid before (counts a hit); false for null. */
    public synchronized boolean knownValid(ByteString memoKey) {
        if (memoKey != null && valid.containsKey(memoKey)) {
            hits++;
            return true;
        }
        return false;
    }

    /** Remembers a check found valid (nothing for null). */
    public synchronized void rememberValid(ByteString memoKey) {
        if (memoKey != null) {
            valid.put(memoKey, Boolean.TRUE);
        }
    }

    /** Verifications skipped so far because a node of this process had made them. */
    public synchronized long hits() {
        return hits;
    }

    /** Entries held now. */
    public synchronized int size() {
        return valid.size();
    }
}
