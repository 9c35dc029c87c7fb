package io.nexo.p2p.resource;

/**
 * What the whole node, each peer and each protocol may hold at once (go-libp2p's resource manager
 * scopes: system, peer, protocol), each with a flag of {@code nexo peer}. A reservation that would
 * go over any scope's limit is refused, not queued.
 *
 * @param nodeOutboundBytes    bytes queued towards all peers together (each peer also has its own
 *                             bound, {@code --max-outbound-queue}); over it, a message is not sent
 * @param nodePendingBytes     bytes of received messages waiting to be handled (the control loop's
 *                             queue, a protocol's work), over all peers and protocols
 * @param peerPendingBytes     of those, from one peer
 * @param protocolPendingBytes of those, for one protocol (gossip, direct, exchange, files), over all peers
 * @param peerPendingRequests  received messages from one peer waiting to be handled, whatever their size
 */
public record ResourceLimits(long nodeOutboundBytes, long nodePendingBytes, long peerPendingBytes,
                             long protocolPendingBytes, int peerPendingRequests) {

    public static final long DEFAULT_NODE_OUTBOUND_BYTES = 256L << 20;
    public static final long DEFAULT_NODE_PENDING_BYTES = 128L << 20;
    public static final long DEFAULT_PEER_PENDING_BYTES = 16L << 20;
    public static final long DEFAULT_PROTOCOL_PENDING_BYTES = 96L << 20;
    public static final int DEFAULT_PEER_PENDING_REQUESTS = 4096;

    public ResourceLimits {
        atLeast("nodeOutboundBytes", nodeOutboundBytes, 1 << 20);
        atLeast("nodePendingBytes", nodePendingBytes, 1 << 20);
        atLeast("peerPendingBytes", peerPendingBytes, 1 << 20);
        atLeast("protocolPendingBytes", protocolPendingBytes, 1 << 20);
        atLeast("peerPendingRequests", peerPendingRequests, 16);
        if (peerPendingBytes > nodePendingBytes) {
            throw new IllegalArgumentException("peerPendingBytes: " + peerPendingBytes
                    + " (expected: <= nodePendingBytes " + nodePendingBytes + ")");
        }
    }

    private static void atLeast(String name, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: >= " + min + ")");
        }
    }

    /** Sized for a node of a few hundred MiB: 50 peers cannot pin more than 128 MiB of pending work. */
    public static ResourceLimits defaults() {
        return new ResourceLimits(DEFAULT_NODE_OUTBOUND_BYTES, DEFAULT_NODE_PENDING_BYTES,
                DEFAULT_PEER_PENDING_BYTES, DEFAULT_PROTOCOL_PENDING_BYTES, DEFAULT_PEER_PENDING_REQUESTS);
    }

    public ResourceLimits withNodeOutboundBytes(long v) {
        return new ResourceLimits(v, nodePendingBytes, peerPendingBytes, protocolPendingBytes, peerPendingRequests);
    }

    public ResourceLimits withPending(long node, long peer, long protocol, int requests) {
        return new ResourceLimits(nodeOutboundBytes, node, peer, protocol, requests);
    }
}
