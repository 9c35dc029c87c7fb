package io.nexo.p2p.gossip;

import io.nexo.p2p.identity.PeerId;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What each neighbour is to one {@link GossipRouter}: eager (gets whole messages), or lazy (gets
 * ids by IHave); a lazy neighbour may also be a backup (this node pruned it softly, so it announces
 * ids here at once) or one to announce to at once (it pruned this node softly). Confined to the
 * router's thread.
 */
final class PeerLinks {
    /**
     * Messages an eager link may stay silent for while others bring them, before it is demoted. On
     * the simulated network (GossipSimulationTest) 128 leaves honest runs' p99 as it was, with and
     * without a fifth of the nodes killed; 32 already demoted honest links there.
     */
    static final int SILENT_LIMIT = 128;

    private final Set<PeerId> eager = new LinkedHashSet<>();
    private final Set<PeerId> lazy = new LinkedHashSet<>();
    /** Lazy peers this node pruned softly: they announce at once, and their announcements are grafted sooner. */
    private final Set<PeerId> backups = new HashSet<>();
    /** Lazy peers that pruned this node softly: announce new ids to them at once. */
    private final Set<PeerId> announceNow = new HashSet<>();
    /** Per eager peer: messages this node took in from others since that peer last sent it one. */
    private final Map<PeerId, Integer> silence = new HashMap<>();
    /** Peers demoted for their silence: grafted back only when no other lazy peer is left. */
    private final Set<PeerId> silenced = new HashSet<>();

    /** A new neighbour, or one that asked for whole messages (Graft): eager. */
    void up(PeerId peer) {
        promote(peer);
        announceNow.remove(peer);
    }

    /** A new neighbour taken in lazy (the node holds its eager floor already). */
    void upLazy(PeerId peer) {
        if (!eager.contains(peer)) {
            lazy.add(peer);
        }
        announceNow.remove(peer);
    }

    void down(PeerId peer) {
        silence.remove(peer);
        silenced.remove(peer);
        eager.remove(peer);
        lazy.remove(peer);
        backups.remove(peer);
        announceNow.remove(peer);
    }

    /** This node takes {@code peer} into its tree: it brought a message first, or was grafted. */
    void promote(PeerId peer) {
        lazy.remove(peer);
        backups.remove(peer);
        if (eager.add(peer)) {
            silence.remove(peer); // its silence is counted from now
        }
    }

    /** This node prunes {@code peer}: lazy, and a backup if {@code backup}. */
    void demote(PeerId peer, boolean backup) {
        silence.remove(peer);
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

    /** {@code peer} brought this node a message first: it is not silent. */
    void heardFrom(PeerId peer) {
        silence.remove(peer);
        silenced.remove(peer);
    }

    /**
     * A message new to this node came from {@code from}: every other eager peer has been silent for
     * one more message. Those silent for {@link #SILENT_LIMIT} messages are demoted (lazy, and
     * grafted back by the heartbeat only when no other lazy peer is left) and returned, to be pruned.
     * A peer that takes messages and passes none on (a black hole, or one that stopped reading)
     * would otherwise hold a place in the eager floor for ever, since only a duplicate gets a link
     * pruned, and the nodes behind it would wait for the lazy path (IHave, then Graft). Only a first
     * copy counts as hearing from a peer: a second copy may be a replay of what this node pushed to
     * it. An honest eager neighbour brings first the messages whose origins are on its side of the
     * tree, so with origins all over the network it does so well within the limit.
     */
    List<PeerId> demoteSilent(PeerId from) {
        List<PeerId> out = null;
        for (PeerId p : eager) {
            if (!p.equals(from) && silence.merge(p, 1, Integer::sum) >= SILENT_LIMIT) {
                if (out == null) {
                    out = new ArrayList<>(1);
                }
                out.add(p);
            }
        }
        if (out == null) {
            return List.of();
        }
        for (PeerId p : out) {
            demote(p, false);
            silenced.add(p);
        }
        return out;
    }

    boolean isSilenced(PeerId peer) {
        return silenced.contains(peer);
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
