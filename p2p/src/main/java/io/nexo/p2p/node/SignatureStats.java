package io.nexo.p2p.node;

import io.nexo.p2p.gossip.GossipVerifier;

import java.util.Map;

/**
 * What a node's signature checks did: broadcast signatures verified, the CPU time they took, the
 * broadcasts refused by reason, peer-exchange entries refused for want of a valid signed record, and
 * broadcasts accepted without a verification of their own because a node sharing the process had
 * verified the same signature ({@code sharedHits}, see {@link io.nexo.p2p.identity.VerifiedSignatures}).
 */
public record SignatureStats(long verified, long verifyNanos, Map<GossipVerifier.Reason, Long> refused,
                             long refusedRecords, long sharedHits) {

    public SignatureStats {
        refused = Map.copyOf(refused);
    }

    /** Refused broadcasts of one reason. */
    public long refused(GossipVerifier.Reason reason) {
        return refused.getOrDefault(reason, 0L);
    }

    /** All refused broadcasts. */
    public long refusedTotal() {
        return refused.values().stream().mapToLong(Long::longValue).sum();
    }
}
