package io.nexo.p2p.node;

import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.BinaryFrame;

/**
 * A protocol built on the node's sessions (file exchange...), registered by name with
 * {@link PeerNode#registerProtocol}: it receives the binary frames of its name (its control messages
 * travel in them too). The callback runs on the session's I/O thread, so bulk data is not handed
 * between threads: keep it short and never block.
 */
@FunctionalInterface
public interface AppProtocol {

    /** A binary frame; the protocol owns it and must release it. */
    void onBinary(PeerSession from, BinaryFrame frame);
}
