package io.nexo.p2p.gossip;

import io.nexo.p2p.identity.PeerId;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What each neighbour is to one {@link GossipRouter}: eager (gets whole messages), or lazy (gets
 * ids by IHave); a lazy neighbour may also be a backup (this node pruned it softly, so it announces
 * ids here at once) or one to announce to at once (it pruned this node softly). Confined to the
 * router's thread.
 */
final class PeerLinks {
    private final Set<PeerId> eager = new LinkedHashSet<>();
    private final Set<PeerId> lazy = new LinkedHashSet<>();
    /** Lazy peers this node pruned softly: they announce at once, and their announcements are grafted sooner. */
    private final Set<PeerId> backups = new HashSet<>();
    /** Lazy peers that pruned this node softly: announce new ids to them at once. */
    private final Set<PeerId> announceNow = new HashSet<>();

    /** A new neighbour, or one that asked for whole messages (Graft): eager. */
    void up(PeerId peer) {
        promote(peer);
        announceNow.remove(peer);
    }

    void down(PeerId peer) {
        eager.remove(peer);
        lazy.remove(peer);
        backups.remove(peer);
        announceNow.remove(peer);
    }

    /** This node takes {@code peer} into its tree: it brought a message first, or was grafted. */
    void promote(PeerId peer) {
        lazy.remove(peer);
        backups.remove(peer);
        eager.add(peer);
    }

    /** This node prunes {@code peer}: lazy, and a backup if {@code backup}. */
    void demote(PeerId peer, boolean backup) {
        eager.remove(peer);
        lazy.add(peer);
        if (backup) {
            backups.add(peer);
        } else {
            backups.remove(peer);
        }
    }

    /** {@code peer} pruned this node: lazy, and announced to at once if it keeps this link as its backup. */
    void prunedBy(PeerId peer, boolean backup) {
        if (eager.remove(peer)) {
            lazy.add(peer);
        }
        if (backup && lazy.contains(peer)) {
            announceNow.add(peer);
        } else {
            announceNow.remove(peer);
        }
    }

    boolean isEager(PeerId peer) {
        return eager.contains(peer);
    }

    boolean isBackup(PeerId peer) {
        return backups.contains(peer);
    }

    boolean announceNow(PeerId peer) {
        return announceNow.contains(peer);
    }

    int eagerCount() {
        return eager.size();
    }

    /** Eager links plus backups: the paths a new message reaches this node by without waiting. */
    int support() {
        return eager.size() + backups.size();
    }

    /** Live view, iteration order stable; do not change the links while iterating. */
    Set<PeerId> eager() {
        return eager;
    }

    /** Live view, iteration order stable; do not change the links while iterating. */
    Set<PeerId> lazy() {
        return lazy;
    }
}
