package io.nexo.p2p.node;

import io.nexo.p2p.gossip.GossipVerifier;

import java.util.Map;

/**
 * What a node's signature checks did: broadcast signatures verified, the time they took, the
 * broadcasts refused by reason, and peer-exchange entries refused for want of a valid signed record.
 */
public record SignatureStats(long verified, long verifyNanos, Map<GossipVerifier.Reason, Long> refused,
                             long refusedRecords) {

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
