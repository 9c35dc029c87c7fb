package io.nexo.p2p.node;

/** A peer operation that failed for a reason worth showing to the user as is. */
public final class PeerException extends RuntimeException {
    public PeerException(String message) {
        super(message);
    }

    /** What went wrong, in words, for any failure ({@link ConnectFailure} for connection attempts). */
    static String describe(Throwable t) {
        return ConnectFailure.describe(t);
    }
}
