package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.PeerRecords;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.wire.proto.SignedPeerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What this node tells others about where to reach it, and its signed peer record of that
 * (docs/p2p-protocol.md, "Advertised addresses"):
 * <ul>
 *   <li>the operator's {@code --advertise} addresses, as given (an explicit claim);</li>
 *   <li>otherwise the addresses peers' dial-backs verified (AutoNAT) while the node is public, none
 *       while it is private, and while no verdict is in yet the addresses derived from the listen
 *       address (the only candidates there are; peers still apply their scope rules);</li>
 *   <li>and in the record, {@code relay:HOST:PORT} of each relay holding a reservation for it.</li>
 * </ul>
 * The record is signed anew, with a higher seqno, whenever that changes. Control loop only, but
 * {@link #record()} may be read from any thread.
 */
final class OwnAddresses {

    private final NodeIdentity identity;
    private final String name;
    private final boolean operatorSet;
    private final LongSupplier micros;
    private List<HostAndPort> direct;
    private List<HostAndPort> relays = List.of();
    private long seqno;
    private volatile SignedPeerRecord record;

    /**
     * @param operatorSet true when the operator set {@code --advertise}
     * @param micros      the clock in microseconds: the first seqno, and the floor of each next one,
     *                    so seqnos keep increasing across restarts
     */
    OwnAddresses(NodeIdentity identity, String name, boolean operatorSet, LongSupplier micros) {
        this.identity = identity;
        this.name = name;
        this.operatorSet = operatorSet;
        this.micros = micros;
    }

    /**
     * The direct addresses to advertise: {@code candidates} when the operator set them or nothing
     * is known yet; the verified ones when public; none when private.
     */
    static List<HostAndPort> direct(List<HostAndPort> candidates, boolean operatorSet, Reachability.Status status,
                                    List<HostAndPort> verified) {
        if (operatorSet) {
            return candidates;
        }
        return switch (status) {
            case UNKNOWN -> candidates;
            case PUBLIC -> verified;
            case PRIVATE -> List.of();
        };
    }

    /**
     * Recomputes the advertised addresses from the node's candidates, reachability and relays;
     * signs a new record when they changed (or on the first call). Returns true when they changed.
     */
    boolean update(PeerAddresses addresses, Reachability.Status status, List<HostAndPort> verified,
                   List<HostAndPort> relayedVia) {
        List<HostAndPort> d = direct(addresses.candidates(), operatorSet, status, verified);
        if (record != null && d.equals(direct) && relayedVia.equals(relays)) {
            return false;
        }
        direct = List.copyOf(d);
        relays = List.copyOf(relayedVia);
        addresses.advertise(direct);
        seqno = record == null ? micros.getAsLong() : Math.max(seqno + 1, micros.getAsLong());
        // relays first in the record's budget: for a node behind NAT they are the only way in
        int room = Math.max(0, PeerRecords.MAX_ADDRS - Math.min(relays.size(), PeerRecords.MAX_ADDRS));
        record = PeerRecords.sign(identity, name, direct.subList(0, Math.min(room, direct.size())),
                relays.subList(0, Math.min(relays.size(), PeerRecords.MAX_ADDRS)), seqno);
        return true;
    }

    /** The direct addresses advertised now. */
    List<HostAndPort> direct() {
        return direct == null ? List.of() : direct;
    }

    /** The relays named in the record now. */
    List<HostAndPort> relays() {
        return relays;
    }

    /** Everything advertised, for the log: direct addresses, then {@code relay:HOST:PORT}. */
    String describe() {
        List<String> all = new ArrayList<>();
        direct().forEach(a -> all.add(a.toString()));
        relays.forEach(r -> all.add("relay:" + r));
        return all.isEmpty() ? "nothing yet" : String.join(", ", all);
    }

    /** The node's signed record; null before the first {@link #update}. */
    SignedPeerRecord record() {
        return record;
    }
}
