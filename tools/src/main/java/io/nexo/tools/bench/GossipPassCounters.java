package io.nexo.tools.bench;

import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.SignatureStats;

import java.util.List;

/**
 * The honest nodes' gossip and signature counters at the start of {@link GossipBench}'s measured
 * pass, and how much the live ones grew since: the pass's own cost, without the warm-up's.
 */
final class GossipPassCounters {

    /** Growth over the measured pass, summed over the live nodes. */
    record Totals(long duplicates, long ihaveFrames, long ihaveSkipped, long verified, long verifyNanos,
                  long sharedHits, long backupFallbacks) {
    }

    private final GossipRouter.Stats[] gossip;
    private final SignatureStats[] signatures;

    private GossipPassCounters(GossipRouter.Stats[] gossip, SignatureStats[] signatures) {
        this.gossip = gossip;
        this.signatures = signatures;
    }

    /** Takes every node's counters now. */
    static GossipPassCounters start(List<PeerNode> nodes) {
        GossipRouter.Stats[] gossip = new GossipRouter.Stats[nodes.size()];
        SignatureStats[] signatures = new SignatureStats[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            gossip[i] = nodes.get(i).gossipStats();
            signatures[i] = nodes.get(i).signatureStats();
        }
        return new GossipPassCounters(gossip, signatures);
    }

    /** The growth since {@link #start} of the nodes still alive. */
    Totals since(List<PeerNode> nodes, boolean[] alive) {
        long duplicates = 0;
        long ihaveFrames = 0;
        long ihaveSkipped = 0;
        long verified = 0;
        long verifyNanos = 0;
        long sharedHits = 0;
        long backupFallbacks = 0;
        for (int i = 0; i < gossip.length; i++) {
            if (alive[i]) {
                GossipRouter.Stats g = nodes.get(i).gossipStats();
                duplicates += g.duplicates() - gossip[i].duplicates();
                ihaveFrames += g.ihaveFrames() - gossip[i].ihaveFrames();
                ihaveSkipped += g.ihaveSkipped() - gossip[i].ihaveSkipped();
                backupFallbacks += g.backupFallbacks() - gossip[i].backupFallbacks();
                SignatureStats s = nodes.get(i).signatureStats();
                verified += s.verified() - signatures[i].verified();
                verifyNanos += s.verifyNanos() - signatures[i].verifyNanos();
                sharedHits += s.sharedHits() - signatures[i].sharedHits();
            }
        }
        return new Totals(duplicates, ihaveFrames, ihaveSkipped, verified, verifyNanos, sharedHits, backupFallbacks);
    }
}
