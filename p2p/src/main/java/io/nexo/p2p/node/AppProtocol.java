package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.BinaryFrame;

/**
 * A protocol built on the node's sessions (file exchange...), registered by name with
 * {@link PeerNode#registerProtocol}. Both callbacks run on the session's I/O thread, so bulk data is
 * not handed between threads: keep them short and never block.
 */
public interface AppProtocol {

    /** A small control message ({@code AppMessage} envelope, rate-limited like chat). */
    default void onMessage(PeerSession from, ByteString payload) {
    }

    /** A binary frame; the protocol owns it and must release it. */
    default void onBinary(PeerSession from, BinaryFrame frame) {
        frame.release();
    }
}
