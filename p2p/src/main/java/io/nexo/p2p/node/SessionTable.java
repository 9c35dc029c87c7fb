package io.nexo.p2p.node;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.FrameEncoder;
import io.nexo.p2p.wire.proto.Envelope;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The node's established sessions, one per peer, in connection order, and sending on them.
 * Control loop only. Gossip sends through it.
 */
final class SessionTable implements GossipRouter.Network {

    private final PeerId self;
    private final Map<PeerId, PeerSession> sessions = new LinkedHashMap<>();
    /** Peers whose session the other side closed as a duplicate: the surviving one is on its way. */
    private final Map<PeerId, PeerInfo> replaced = new HashMap<>();
    private int outbound;

    private int maxFrameBytes = Integer.MAX_VALUE;
    private Predicate<PeerSession> relayed = s -> false;

    SessionTable(PeerId self) {
        this.self = self;
    }

    PeerSession get(PeerId id) {
        return sessions.get(id);
    }

    boolean contains(PeerId id) {
        return sessions.containsKey(id);
    }

    /** True when {@code s} is the session the node uses for its peer (not a refused duplicate). */
    boolean isCurrent(PeerSession s) {
        return sessions.get(s.peerId()) == s;
    }

    /** A read-only view, in connection order. */
    Collection<PeerSession> all() {
        return Collections.unmodifiableCollection(sessions.values());
    }

    List<PeerSession> snapshot() {
        return new ArrayList<>(sessions.values());
    }

    boolean isEmpty() {
        return sessions.isEmpty();
    }

    int size() {
        return sessions.size();
    }

    int outboundCount() {
        return outbound;
    }

    int inboundCount() {
        return sessions.size() - outbound;
    }

    /** Makes {@code s} the session of its peer (replacing a duplicate, if any). */
    void put(PeerSession s) {
        PeerSession old = sessions.put(s.peerId(), s);
        if (old != null && old.outbound()) {
            outbound--;
        }
        if (s.outbound()) {
            outbound++;
        }
    }

    /** Removes {@code s} if it is its peer's current session; false otherwise. */
    boolean remove(PeerSession s) {
        if (!isCurrent(s)) {
            return false;
        }
        sessions.remove(s.peerId());
        if (s.outbound()) {
            outbound--;
        }
        return true;
    }

    /** Which sessions run through a relay: a direct session with the same peer wins over such a one. */
    void relayed(Predicate<PeerSession> isRelayed) {
        relayed = isRelayed;
    }

    /**
     * Of two sessions with the same peer, a direct one wins over a relayed one (a hole punch moves
     * the peer to it; both sides know which is relayed). Otherwise both sides keep the one dialled by the smaller peer id;
     * if the same side dialled both, the one with the smaller dialer nonce. Both ends see the same
     * ids and nonces, so they compute the same answer and exactly one connection survives.
     */
    PeerSession duplicateWinner(PeerSession a, PeerSession b) {
        boolean relayedA = relayed.test(a);
        if (relayedA != relayed.test(b)) {
            return relayedA ? b : a;
        }
        PeerId dialerA = a.outbound() ? self : a.peerId();
        PeerId dialerB = b.outbound() ? self : b.peerId();
        if (dialerA.equals(dialerB)) {
            return a.dialerNonce().compareTo(b.dialerNonce()) <= 0 ? a : b;
        }
        return dialerA.compareTo(dialerB) < 0 ? a : b;
    }

    /** The peer closed {@code info}'s session as a duplicate: its other session should arrive. */
    void markReplaced(PeerInfo info) {
        replaced.put(info.id(), info);
    }

    /** The replaced session of {@code id}, if one was waiting for its successor (and forgets it). */
    PeerInfo takeReplaced(PeerId id) {
        return replaced.remove(id);
    }

    /** Sends {@code env} to {@code to}; false when not connected or the session dropped it. */
    @Override
    public boolean send(PeerId to, Envelope env) {
        PeerSession s = sessions.get(to);
        return s != null && s.send(env);
    }

    /** The peers' frame limit: a fan-out frame over it is not sent. */
    void maxFrameBytes(int v) {
        maxFrameBytes = v;
    }

    /** Encodes {@code env} once and writes the same bytes to every session in {@code to}. */
    @Override
    public void sendToAll(List<PeerId> to, Envelope env) {
        if (to.size() < 2) {
            to.forEach(p -> send(p, env));
            return;
        }
        ByteBuf frame;
        try {
            frame = FrameEncoder.encode(ByteBufAllocator.DEFAULT, env, maxFrameBytes);
        } catch (FrameEncoder.OversizedFrameException e) {
            return; // never on the wire: a peer could only drop the session for it (the router checks first)
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (PeerId p : to) {
                PeerSession s = sessions.get(p);
                if (s != null) {
                    s.sendFrame(frame.retainedDuplicate());
                }
            }
        } finally {
            frame.release();
        }
    }
}
