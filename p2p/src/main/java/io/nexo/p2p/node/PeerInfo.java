package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;

import java.util.List;

/** A connected peer as the node's users see it. */
public record PeerInfo(PeerId id, String name, HostAndPort remote, List<HostAndPort> listenAddrs,
                       boolean outbound) {

    public PeerInfo {
        listenAddrs = List.copyOf(listenAddrs);
    }

    static PeerInfo of(PeerSession s) {
        return new PeerInfo(s.peerId(), s.name(), s.remote(), s.listenAddrs(), s.outbound());
    }

    /** {@code name (shortid)}. */
    public String label() {
        return name + " (" + id.shortId() + ")";
    }
}
