package io.nexo.p2p.node;

/**
 * Receives a node's events, one at a time, on the node's control thread: do not block in it.
 */
@FunctionalInterface
public interface PeerListener {
    void onEvent(PeerEvent event);
}
