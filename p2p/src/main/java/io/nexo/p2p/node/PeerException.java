package io.nexo.p2p.node;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

/** A peer operation that failed for a reason worth showing to the user as is. */
public final class PeerException extends RuntimeException {
    public PeerException(String message) {
        super(message);
    }

    /** What went wrong, in words, for any failure (a refused connection says "connection refused"). */
    static String describe(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof PeerException) {
            return c.getMessage();
        }
        if (c instanceof ConnectException) {
            return "connection refused";
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }
}
