package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** What a {@link PeerNode} tells its {@link PeerListener}. */
public sealed interface PeerEvent {

    /**
     * The node listens and is ready: {@code advertised} its direct addresses as announced now,
     * {@code reachability} as known then (almost always {@code unknown}: no peer has dialled it
     * back yet; a {@link ReachabilityChanged} follows).
     */
    record Ready(PeerId peerId, String name, HostAndPort listen, List<HostAndPort> advertised,
                 io.nexo.p2p.nat.Reachability.Status reachability) implements PeerEvent {
    }

    record PeerConnected(PeerInfo peer) implements PeerEvent {
    }

    /**
     * A relay reservation was granted ({@code reserved}) or lost: this node is (or no longer is)
     * reachable at {@code address} ({@code ID@relay:HOST:PORT}).
     */
    record RelayChanged(io.nexo.p2p.discovery.DialTarget address, boolean reserved, String reason) implements PeerEvent {
    }

    /**
     * This node's reachability changed (AutoNAT): {@code public} at {@code address} (verified by a
     * peer's dial-back), {@code private} (behind NAT: dial-backs failed) or {@code unknown}.
     */
    record ReachabilityChanged(io.nexo.p2p.nat.Reachability.Status status,
                               java.util.Optional<HostAndPort> address) implements PeerEvent {
    }

    record PeerDisconnected(PeerInfo peer, String reason) implements PeerEvent {
    }

    /**
     * A broadcast message, delivered once per node, whose origin signature was verified. {@code via}
     * is the neighbour it came from, {@code hops} how many links it crossed, {@code signed} the
     * message as its origin signed it (encoded {@code Gossip} with hops 0), which anyone can verify
     * again ({@link io.nexo.p2p.gossip.SignedGossip#verify}), e.g. to pass a signed record on.
     */
    record MessageReceived(String messageId, PeerId originId, String originName, String topic,
                           byte[] payload, PeerId via, int hops, long originTimeMillis, byte[] signed)
            implements PeerEvent {

        public MessageReceived(String messageId, PeerId originId, String originName, String topic,
                               byte[] payload, PeerId via, int hops, long originTimeMillis) {
            this(messageId, originId, originName, topic, payload, via, hops, originTimeMillis, new byte[0]);
        }
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** Something went wrong that the user should hear about (a bootstrap peer unreachable...). */
    record Error(String message) implements PeerEvent {
    }

    /**
     * A broadcast refused by the signature checks: {@code via} is the neighbour that sent it,
     * {@code claimedOrigin} who it said wrote it (as sent, not verified: escape before printing),
     * {@code reason} a {@link io.nexo.p2p.gossip.GossipVerifier.Reason#label()}, {@code forgeries}
     * how many forgeries {@code via} has sent on this session.
     */
    record InvalidMessage(PeerId via, String viaName, String claimedOrigin, String reason, int forgeries)
            implements PeerEvent {
    }

    /** A direct message from a connected peer (authenticated by its session). */
    record DirectReceived(PeerId fromId, String fromName, String text) implements PeerEvent {
    }
}
