package io.nexo.p2p.session;

import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.nexo.p2p.wire.WireLimitException;

import javax.net.ssl.SSLException;

/** Turns what went wrong on a connection into the one-line reason its session closes with, and counts it. */
final class SessionFailures {

    private SessionFailures() {
    }

    /** The reason to close with, or null for an unexpected error (logged with its stack by the caller). */
    static String reason(Throwable cause, int maxFrameBytes, SessionMetrics metrics) {
        if (cause instanceof TooLongFrameException) {
            metrics.countOversizedFrame();
            return "frame over the limit of " + maxFrameBytes + " bytes (" + cause.getMessage() + ")";
        }
        if (cause instanceof WireLimitException w) {
            metrics.countViolation(w.violation());
            return "field over its bound: " + w.getMessage();
        }
        if (cause instanceof CorruptedFrameException) {
            metrics.countMalformedFrame();
            return "malformed frame: " + cause.getMessage();
        }
        if (cause instanceof DecoderException && cause.getCause() instanceof NotSslRecordException) {
            return "not TLS (a plaintext client?)";
        }
        if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            return "TLS error: " + rootMessage(cause);
        }
        if (cause instanceof java.io.IOException) {
            return "I/O error: " + cause.getMessage();
        }
        return null;
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }
}
