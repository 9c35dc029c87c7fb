package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.identity.Signatures;
import io.nexo.p2p.identity.VerifiedSignatures;
import io.nexo.p2p.identity.VerifyingKey;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.WireLimits;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.LongSupplier;

/**
 * Checks a broadcast not seen before, cheapest test first: sizes, the id derived from origin and
 * seqno, the time bounds, the replay window, that the key hashes to the origin id, and last the
 * signature. Only a message that passes all of them is recorded in the replay window, so a forgery
 * cannot move an origin's window. Parsed keys are kept per origin (bounded), so a known origin
 * costs one signature verification per message. Not thread-safe (the node's control thread).
 */
public final class GossipVerifier {

    /** Why a message was refused. */
    public enum Reason {
        /** Missing or oversized signature fields. */
        MALFORMED(true),
        /** The id is not the one derived from origin and seqno. */
        BAD_ID(true),
        /** The key does not hash to the origin id, or is not a key. */
        WRONG_KEY(true),
        /** The signature does not verify: content or origin altered. */
        BAD_SIGNATURE(true),
        /** Dated outside [now - maxAge, now + maxFutureSkew]. */
        STALE(false),
        /** The origin's seqno was already accepted, or is too far behind. */
        REPLAY(false);

        private final boolean forgery;

        Reason(boolean forgery) {
            this.forgery = forgery;
        }

        /** True when no honest node can have produced or relayed it (counts toward closing the session). */
        public boolean forgery() {
            return forgery;
        }

        /** Lowercase with dashes, for events and logs. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Longest encoded public key accepted (a P-256 key is 91 bytes); also bounded at decode. */
    static final int MAX_KEY_BYTES = WireLimits.MAX_KEY_BYTES;
    /** Longest DER signature accepted (P-256: at most 72 bytes); also bounded at decode. */
    static final int MAX_SIGNATURE_BYTES = WireLimits.MAX_SIGNATURE_BYTES;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean THREAD_CPU = THREADS.isCurrentThreadCpuTimeSupported();

    private final VerifyParams params;
    private final LongSupplier clockMillis;
    private final ReplayGuard replay;
    private final VerifiedSignatures memo;
    private long verified;
    private long verifyNanos;
    private long memoHits;

    public GossipVerifier(VerifyParams params, LongSupplier clockMillis) {
        this(params, clockMillis, VerifiedSignatures.none());
    }

    /** @param memo signatures already verified by nodes sharing this process ({@link VerifiedSignatures#none()} when alone) */
    public GossipVerifier(VerifyParams params, LongSupplier clockMillis, VerifiedSignatures memo) {
        this.params = params;
        this.memo = memo;
        this.clockMillis = clockMillis;
        this.replay = new ReplayGuard(params.replayWindow(), params.originCapacity());
    }

    /** Null when {@code g} is genuine and new (it is then recorded as seen), else why not. */
    public Reason check(Gossip g) {
        if (g.getSignature().isEmpty() || g.getSignature().size() > MAX_SIGNATURE_BYTES
                || g.getOriginKey().isEmpty() || g.getOriginKey().size() > MAX_KEY_BYTES
                || g.getOriginId().length() != PeerId.LENGTH) {
            return Reason.MALFORMED;
        }
        if (!g.getId().equals(SignedGossip.messageId(g.getOriginId(), g.getSeqno()))) {
            return Reason.BAD_ID;
        }
        long now = clockMillis.getAsLong();
        long t = g.getOriginTimeMillis();
        if (t < now - params.maxAge().toMillis() || t > now + params.maxFutureSkew().toMillis()) {
            return Reason.STALE;
        }
        if (!replay.fresh(g.getOriginId(), g.getSeqno())) {
            return Reason.REPLAY;
        }
        VerifyingKey key = keyOf(g.getOriginId(), g.getOriginKey());
        if (key == null) {
            return Reason.WRONG_KEY;
        }
        byte[] digest = SignedGossip.digest(g);
        ByteString memoKey = memo.keyOf(g.getOriginKey(), g.getSignature(), digest);
        if (memo.knownValid(memoKey)) {
            memoHits++; // the same signature over the same bytes was verified by a node of this process
        } else {
            long start = cpuNanos();
            boolean ok = Signatures.verifyDigest(key, g.getSignature().toByteArray(), digest);
            verifyNanos += cpuNanos() - start;
            verified++;
            if (!ok) {
                return Reason.BAD_SIGNATURE;
            }
            memo.rememberValid(memoKey);
        }
        replay.accept(g.getOriginId(), g.getSeqno());
        return null;
    }

    /** Signatures verified so far (valid or not). */
    public long verifiedCount() {
        return verified;
    }

    /** Messages accepted without a verification of their own: the shared memo knew their signature. */
    public long memoHits() {
        return memoHits;
    }

    /**
     * CPU time spent verifying signatures, in nanoseconds (for the benchmark): the verifying thread's
     * own, so a thread preempted mid-verification on a busy machine does not count the wait.
     */
    public long verifyNanos() {
        return verifyNanos;
    }

    private static long cpuNanos() {
        return THREAD_CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** The key of {@code origin} when {@code encoded} is it (hashes to the id and parses), else null. */
    private static VerifyingKey keyOf(String origin, ByteString encoded) {
        PeerId id;
        try {
            id = new PeerId(origin);
        } catch (IllegalArgumentException e) {
            return null; // not a peer id (wrong characters): no key can be its key
        }
        return Signatures.keyOf(id, encoded).orElse(null);
    }
}
