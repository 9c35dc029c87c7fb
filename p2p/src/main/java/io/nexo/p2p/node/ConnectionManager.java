package io.nexo.p2p.node;

import io.nexo.p2p.identity.PeerId;

import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides whether a newly established session may stay and which inbound peers make room for it,
 * in the manner of go-libp2p's connmgr: inbound sessions have their own budget with high and low
 * water marks ({@link ConnectionLimits}); outbound sessions (the node's own choice) and protected
 * peers ({@code --join}) are never trimmed, and when the node is full at {@code --max-peers} they
 * push out an inbound peer instead of being refused. So an inbound flood cannot take the node's
 * outbound peers or its bootstrap peers away, nor stop it dialling.
 *
 * <p>Which inbound peer is least useful: never a protected one, nor one younger than the grace
 * period (unless an outbound or protected session needs the slot); among the rest, a peer of the
 * subnet with the most inbound sessions, the youngest of it first (an attacker crowding one /24 or
 * /64 loses its own sessions first; long-lived peers from diverse networks stay). Example with
 * max-inbound 4, low water 2, grace passed, inbound b1 c1 a1 a2 connected in that order (a1 and a2
 * of 10.0.0.0/24): a new inbound d1 trims a2 (its subnet has 2) then a1 (all subnets tie at 1 and
 * a1 is the youngest), leaving b1 c1, and d1 is admitted.
 *
 * <p>Relayed inbound sessions (peers that reached this node through one of its relays) all come
 * from a relay's address, which says nothing about the peer: they have a budget of their own
 * ({@link ConnectionLimits#maxRelayedInbound()}) instead of the inbound one, are never ranked by
 * subnet, and make room only among themselves (the youngest out of its grace period goes first).
 * Each relay bounds them too, at its circuits per reserved peer. They count towards
 * {@code --max-peers} like every session.
 *
 * <p>Control loop only; pure bookkeeping, it never touches a channel.
 */
final class ConnectionManager {

    /** The verdict on a new session: admit it or not, and the inbound peers to close first. */
    record Decision(boolean admit, List<PeerId> evict) {
    }

    private record Inbound(PeerId id, Subnet subnet, long sinceMillis) {
    }

    private final ConnectionLimits limits;
    private final int maxPeers;
    private final Clock clock;
    private final Predicate<PeerId> isProtected;
    private final Map<PeerId, Inbound> inbound = new LinkedHashMap<>();
    private final Map<PeerId, Long> relayed = new LinkedHashMap<>();
    private final Set<PeerId> outbound = new HashSet<>();

    ConnectionManager(ConnectionLimits limits, int maxPeers, Clock clock, Predicate<PeerId> isProtected) {
        this.limits = limits;
        this.maxPeers = maxPeers;
        this.clock = clock;
        this.isProtected = isProtected;
    }

    /** Inbound sessions, direct and relayed. */
    int inboundCount() {
        return inbound.size() + relayed.size();
    }

    int relayedInboundCount() {
        return relayed.size();
    }

    int outboundCount() {
        return outbound.size();
    }

    /** Decides on a new direct session with {@code id}, outbound or inbound. */
    Decision decide(PeerId id, boolean isOutbound) {
        return decide(id, isOutbound, false);
    }

    /** Decides on a new session with {@code id}, outbound or inbound, direct or through a relay. */
    Decision decide(PeerId id, boolean isOutbound, boolean isRelayed) {
        int total = inbound.size() + relayed.size() + outbound.size();
        if (isOutbound || isProtected.test(id)) {
            if (total < maxPeers) {
                return new Decision(true, List.of());
            }
            List<PeerId> victims = leastUseful(1, true);
            if (victims.isEmpty()) {
                victims = youngestRelayed(1, true);
            }
            return new Decision(!victims.isEmpty(), victims);
        }
        if (isRelayed) {
            int need = Math.max(0, Math.max(relayed.size() - limits.maxRelayedInbound() + 1, total - maxPeers + 1));
            List<PeerId> victims = youngestRelayed(need, false);
            return victims.size() == need ? new Decision(true, victims) : new Decision(false, List.of());
        }
        if (inbound.size() < limits.maxInbound() && total < maxPeers) {
            return new Decision(true, List.of());
        }
        int excess = Math.max(Math.max(inbound.size() - limits.inboundLowWater(),
                inbound.size() - limits.maxInbound() + 1), total - maxPeers + 1);
        List<PeerId> victims = leastUseful(excess, false);
        int in = inbound.size() - victims.size();
        boolean admit = in < limits.maxInbound() && total - victims.size() < maxPeers;
        return new Decision(admit, admit ? victims : List.of());
    }

    /** A direct session was admitted (or replaced its peer's duplicate in another direction). */
    void added(PeerId id, boolean isOutbound, InetAddress remote) {
        added(id, isOutbound, false, remote);
    }

    /** A session was admitted (or replaced its peer's duplicate); {@code remote} is a relay's when relayed. */
    void added(PeerId id, boolean isOutbound, boolean isRelayed, InetAddress remote) {
        removed(id);
        if (isOutbound) {
            outbound.add(id);
        } else if (isRelayed) {
            relayed.put(id, clock.millis());
        } else {
            inbound.put(id, new Inbound(id, Subnet.of(remote), clock.millis()));
        }
    }

    /** The session of {@code id} ended (or is being replaced). */
    void removed(PeerId id) {
        inbound.remove(id);
        relayed.remove(id);
        outbound.remove(id);
    }

    /**
     * Up to {@code n} relayed inbound peers to trim, youngest first, never a protected one; peers in
     * their grace period only when {@code ignoreGrace}.
     */
    private List<PeerId> youngestRelayed(int n, boolean ignoreGrace) {
        long oldest = clock.millis() - (ignoreGrace ? 0 : limits.gracePeriod().toMillis());
        List<Map.Entry<PeerId, Long>> candidates = new ArrayList<>();
        for (Map.Entry<PeerId, Long> e : relayed.entrySet()) {
            if (!isProtected.test(e.getKey()) && e.getValue() <= oldest) {
                candidates.add(e);
            }
        }
        candidates.sort(Map.Entry.<PeerId, Long>comparingByValue().reversed());
        return candidates.stream().limit(n).map(Map.Entry::getKey).toList();
    }

    /**
     * Up to {@code n} inbound peers to trim, least useful first (see the class comment); peers in
     * their grace period only when {@code ignoreGrace}.
     */
    private List<PeerId> leastUseful(int n, boolean ignoreGrace) {
        long now = clock.millis();
        long grace = limits.gracePeriod().toMillis();
        List<Inbound> candidates = new ArrayList<>();
        Map<Subnet, Integer> perSubnet = new HashMap<>();
        for (Inbound c : inbound.values()) {
            perSubnet.merge(c.subnet(), 1, Integer::sum);
            if (!isProtected.test(c.id()) && (ignoreGrace || now - c.sinceMillis() >= grace)) {
                candidates.add(c);
            }
        }
        List<PeerId> out = new ArrayList<>();
        while (out.size() < n && !candidates.isEmpty()) {
            Inbound pick = null;
            for (Inbound c : candidates) {
                if (pick == null || worse(c, pick, perSubnet)) {
                    pick = c;
                }
            }
            candidates.remove(pick);
            perSubnet.merge(pick.subnet(), -1, Integer::sum);
            out.add(pick.id());
        }
        return out;
    }

    /** True when {@code a} is less useful than {@code b}: a more crowded subnet, then younger. */
    private static boolean worse(Inbound a, Inbound b, Map<Subnet, Integer> perSubnet) {
        int ca = perSubnet.get(a.subnet());
        int cb = perSubnet.get(b.subnet());
        if (ca != cb) {
            return ca > cb;
        }
        return a.sinceMillis() > b.sinceMillis();
    }
}
