package io.nexo.p2p.session;

import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.proto.Envelope;

/** What a {@link SessionHandler} reports to the node. Called on the channel's event loop. */
public interface SessionListener {

    /**
     * The hello exchange succeeded. The node may still close the session (duplicate, too many
     * peers); {@link #onClosed} then follows as for any session.
     */
    void onEstablished(PeerSession session);

    /** A gossip, direct, exchange or app message (already rate-limited). */
    void onEnvelope(PeerSession session, Envelope envelope);

    /** A binary frame; the listener owns it and must release it. */
    void onBinary(PeerSession session, BinaryFrame frame);

    /** A connection failed before it was established (TLS, identity, network key, timeout). */
    void onHandshakeFailed(io.netty.channel.Channel channel, boolean outbound, String reason);

    /** An established session ended. */
    void onClosed(PeerSession session, String reason);
}
