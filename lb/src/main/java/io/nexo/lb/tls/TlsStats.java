package io.nexo.lb.tls;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import javax.net.ssl.SSLHandshakeException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * TLS counters of one listener: completed handshakes (or, passing through, ClientHellos read),
 * failures by reason, and SNI hits per route (the certificate name or route that matched) and misses.
 * A pool with {@code backend-tls} has one too, for the handshakes nexo makes to its backends (no SNI
 * counts there). Label values come from the configuration or a fixed set, so a client cannot grow them.
 */
public final class TlsStats {

    /** Why a handshake or a ClientHello failed; the metric label is {@link #label()}. */
    public enum Failure {
        TIMEOUT, NOT_TLS, CLIENT_HELLO_TOO_LONG, CERTIFICATE, CLOSED, PROTOCOL;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The reason behind a handshake's failure {@code cause}. */
        public static Failure of(Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof SslHandshakeTimeoutException) {
                    return TIMEOUT;
                }
                if (t instanceof NotSslRecordException) {
                    return NOT_TLS;
                }
                if (t instanceof TooLongFrameException) {
                    return CLIENT_HELLO_TOO_LONG;
                }
                if (t instanceof ClosedChannelException) {
                    return CLOSED;
                }
                if (t instanceof CertificateException) {
                    return CERTIFICATE; // the JDK's trust manager: "PKIX path building failed", a wrong name
                }
                if (t instanceof SSLHandshakeException && String.valueOf(t.getMessage()).toLowerCase(
                        java.util.Locale.ROOT).contains("certificate")) {
                    return CERTIFICATE;
                }
            }
            return PROTOCOL;
        }
    }

    private final LongAdder handshakes = new LongAdder();
    private final Map<Failure, LongAdder> failures = new EnumMap<>(Failure.class);
    private final Map<String, LongAdder> hits = new ConcurrentHashMap<>();
    private final LongAdder misses = new LongAdder();

    public TlsStats() {
        for (Failure f : Failure.values()) {
            failures.put(f, new LongAdder());
        }
    }

    public void handshake() {
        handshakes.increment();
    }

    public void failure(Failure reason) {
        failures.get(reason).increment();
    }

    /** A ClientHello whose name matched {@code route}; {@code null} = matched nothing (a miss). */
    public void sni(String route) {
        if (route == null) {
            misses.increment();
        } else {
            hits.computeIfAbsent(route, r -> new LongAdder()).increment();
        }
    }

    public long handshakes() {
        return handshakes.sum();
    }

    public long failures(Failure reason) {
        return failures.get(reason).sum();
    }

    /** Failures by label, every reason present. */
    public Map<String, Long> failures() {
        Map<String, Long> out = new LinkedHashMap<>();
        failures.forEach((f, n) -> out.put(f.label(), n.sum()));
        return out;
    }

    public Map<String, Long> hits() {
        Map<String, Long> out = new LinkedHashMap<>();
        hits.forEach((r, n) -> out.put(r, n.sum()));
        return out;
    }

    public long misses() {
        return misses.sum();
    }
}
