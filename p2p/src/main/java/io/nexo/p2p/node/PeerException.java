package io.nexo.p2p.node;

/** A peer operation that failed for a reason worth showing to the user as is. */
public final class PeerException extends RuntimeException {
    public PeerException(String message) {
        super(message);
    }
}
