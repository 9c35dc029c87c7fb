package io.nexo.p2p.node;

import io.nexo.core.text.Printable;
import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.gossip.GossipVerifier;
import io.nexo.p2p.identity.VerifiedSignatures;
import io.nexo.p2p.gossip.VerifyParams;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Gossip;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The node's gate for broadcasts: verifies each new message's origin signature
 * ({@link GossipVerifier}), and when it fails, counts it against the neighbour that sent it,
 * reports a {@link PeerEvent.InvalidMessage} and, after {@link VerifyParams#maxForgeries()}
 * forgeries, closes that neighbour's session. Confined to the node's control thread.
 */
final class SignatureCheck implements GossipRouter.Validator {

    private static final Logger log = LoggerFactory.getLogger(SignatureCheck.class);

    private final PeerId self;
    private final VerifyParams params;
    private final GossipVerifier verifier;
    private final VerifiedSignatures shared;
    private final Function<PeerId, PeerSession> sessions;
    private final Consumer<PeerEvent> emit;
    private final Map<PeerId, Integer> refusedBy = new HashMap<>();
    private final Map<PeerId, Integer> forgeriesBy = new HashMap<>();
    private final EnumMap<GossipVerifier.Reason, Long> refused = new EnumMap<>(GossipVerifier.Reason.class);
    private long refusedRecords;

    SignatureCheck(PeerId self, VerifyParams params, LongSupplier clockMillis, VerifiedSignatures shared,
                   Function<PeerId, PeerSession> sessions, Consumer<PeerEvent> emit) {
        this.self = self;
        this.params = params;
        this.verifier = new GossipVerifier(params, clockMillis, shared);
        this.shared = shared;
        this.sessions = sessions;
        this.emit = emit;
    }

    @Override
    public boolean accept(Gossip g, PeerId from) {
        if (g.getOriginId().equals(self.value())) {
            // ours but not in the seen-cache: an old one coming back after the cache forgot it, or
            // one signed with a stolen key; never delivered (gossipsub drops them the same way)
            log.debug("dropping a broadcast claiming to be this node's, relayed by {}", from.shortId());
            return false;
        }
        GossipVerifier.Reason reason = verifier.check(g);
        if (reason == null) {
            return true;
        }
        refused.merge(reason, 1L, Long::sum);
        refusedBy.merge(from, 1, Integer::sum);
        int forgeries = reason.forgery() ? forgeriesBy.merge(from, 1, Integer::sum) : forgeriesBy.getOrDefault(from, 0);
        PeerSession s = sessions.apply(from);
        String via = s != null ? s.toString() : from.shortId();
        log.warn("refused a broadcast claiming origin {} from {}: {} ({} forged so far)",
                Printable.escape(g.getOriginId(), 64), via, reason.label(), forgeries);
        emit.accept(new PeerEvent.InvalidMessage(from, s != null ? s.name() : "", g.getOriginId(),
                reason.label(), forgeries));
        if (reason.forgery()) {
            closeIfOverLimit(s, via, forgeries);
        }
        return false;
    }

    private void closeIfOverLimit(PeerSession s, String via, int forgeries) {
        if (forgeries >= params.maxForgeries() && s != null) {
            log.warn("closing {}: {} forged messages (limit {})", via, forgeries, params.maxForgeries());
            s.close("sent " + forgeries + " forged messages");
        }
    }

    /**
     * A peer-exchange entry from {@code from} without a valid record signed by the peer it names:
     * an honest node passes on only records it verified, so it counts as a forgery.
     */
    void refusedRecord(PeerId from, String claimedPeer) {
        refusedRecords++;
        refusedBy.merge(from, 1, Integer::sum);
        int forgeries = forgeriesBy.merge(from, 1, Integer::sum);
        PeerSession s = sessions.apply(from);
        String via = s != null ? s.toString() : from.shortId();
        log.warn("refused a peer exchange entry about {} from {}: no valid record signed by that peer ({} forged so far)",
                Printable.escape(claimedPeer, 64), via, forgeries);
        emit.accept(new PeerEvent.InvalidMessage(from, s != null ? s.name() : "", claimedPeer, "bad-peer-record", forgeries));
        closeIfOverLimit(s, via, forgeries);
    }

    /** Signatures verified by the nodes sharing this process (peer records are checked against it too). */
    VerifiedSignatures shared() {
        return shared;
    }

    /** Forgets a neighbour whose session ended. */
    void peerDown(PeerId peer) {
        refusedBy.remove(peer);
        forgeriesBy.remove(peer);
    }

    /** Broadcasts and peer-exchange entries from {@code peer}'s current session that were refused. */
    int refusedFrom(PeerId peer) {
        return refusedBy.getOrDefault(peer, 0);
    }

    SignatureStats stats() {
        return new SignatureStats(verifier.verifiedCount(), verifier.verifyNanos(), Map.copyOf(refused), refusedRecords,
                verifier.memoHits());
    }
}
