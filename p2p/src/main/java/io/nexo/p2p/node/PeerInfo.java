package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.relay.RelayPath;
import io.nexo.p2p.session.PeerSession;

import java.util.List;

/**
 * A connected peer as the node's users see it; {@code refusedMessages} counts the broadcasts and
 * peer-exchange entries from it that failed the signature checks during this session;
 * {@code relayed} says the session runs through a relay ({@code remote} is then the relay's address).
 */
public record PeerInfo(PeerId id, String name, HostAndPort remote, List<HostAndPort> listenAddrs,
                       boolean outbound, int refusedMessages, boolean relayed) {

    public PeerInfo {
        listenAddrs = List.copyOf(listenAddrs);
    }

    public PeerInfo(PeerId id, String name, HostAndPort remote, List<HostAndPort> listenAddrs, boolean outbound,
                    int refusedMessages) {
        this(id, name, remote, listenAddrs, outbound, refusedMessages, false);
    }

    public PeerInfo(PeerId id, String name, HostAndPort remote, List<HostAndPort> listenAddrs, boolean outbound) {
        this(id, name, remote, listenAddrs, outbound, 0);
    }

    static PeerInfo of(PeerSession s) {
        return new PeerInfo(s.peerId(), s.name(), s.remote(), s.listenAddrs(), s.outbound(), 0,
                RelayPath.isRelayed(s.channel()));
    }

    PeerInfo withRefusedMessages(int n) {
        return new PeerInfo(id, name, remote, listenAddrs, outbound, n, relayed);
    }

    /** {@code "relayed"} or {@code "direct"}, as {@code /peers} and the JSON events say it. */
    public String path() {
        return relayed ? "relayed" : "direct";
    }

    /** {@code name (shortid)}. */
    public String label() {
        return name + " (" + id.shortId() + ")";
    }
}
