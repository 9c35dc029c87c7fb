package io.nexo.lb.stats;

import java.util.List;
import java.util.Map;

/**
 * A point-in-time view of a running balancer: what {@code GET /api/status} returns as JSON, what the
 * stats page draws and what {@code /metrics} renders.
 */
public record LbStatus(long uptimeSeconds, List<Listener> listeners, List<Pool> pools, List<Tls> tls) {

    public LbStatus {
        listeners = List.copyOf(listeners);
        pools = List.copyOf(pools);
        tls = List.copyOf(tls);
    }

    /** Without TLS listeners. */
    public LbStatus(long uptimeSeconds, List<Listener> listeners, List<Pool> pools) {
        this(uptimeSeconds, listeners, pools, List.of());
    }

    /**
     * The TLS side of a listener that terminates TLS ({@code mode} {@code terminate}) or routes by SNI
     * ({@code sni}).
     *
     * @param handshakes   handshakes completed (terminating) or ClientHellos routed (passing through)
     * @param failures     by reason: timeout, not_tls, client_hello_too_long, certificate, closed, protocol
     * @param sniHits      by the certificate name or route that matched
     * @param sniMisses    names that matched nothing (default certificate, fallback pool or closed)
     * @param certificates terminating: each certificate file in service
     */
    public record Tls(String listener, String mode, long handshakes, Map<String, Long> failures,
                      Map<String, Long> sniHits, long sniMisses, List<Certificate> certificates) {
        public Tls {
            failures = Map.copyOf(failures);
            sniHits = Map.copyOf(sniHits);
            certificates = List.copyOf(certificates);
        }
    }

    /** A certificate in service and the days left until its leaf expires (negative: expired). */
    public record Certificate(String file, String notAfter, double daysUntilExpiry) {
    }

    /**
     * One listener.
     *
     * @param refused      connections refused because the listener was at max-connections
     * @param refusedPerIp connections refused because their client was at max-connections-per-ip
     */
    public record Listener(String name, String listen, String pool, int maxConnections, int maxConnectionsPerIp,
                           int active, long accepted, long refused, long refusedPerIp) {

        /** A listener without a per-client-IP limit. */
        public Listener(String name, String listen, String pool, int maxConnections, int active, long accepted,
                        long refused) {
            this(name, listen, pool, maxConnections, 0, active, accepted, refused, 0);
        }
    }

    /**
     * @param dns        the pool's DNS discovery, null when it has none
     * @param backendTls the TLS handshakes nexo made to the pool's backends, null without backend-tls
     */
    public record Pool(String name, String policy, String proxyProtocol, List<Backend> backends, Dns dns,
                       BackendTls backendTls) {
        public Pool {
            backends = List.copyOf(backends);
        }

        public Pool(String name, String policy, String proxyProtocol, List<Backend> backends) {
            this(name, policy, proxyProtocol, backends, null, null);
        }
    }

    /**
     * TLS from nexo to a pool's backends ({@code backend-tls}).
     *
     * @param handshakes handshakes completed with a backend
     * @param failures   by reason, as for clients (an untrusted or misnamed certificate: {@code certificate})
     */
    public record BackendTls(long handshakes, Map<String, Long> failures) {
        public BackendTls {
            failures = Map.copyOf(failures);
        }
    }

    /**
     * A pool's DNS discovery.
     *
     * @param names       the names resolved ({@code NAME:PORT} or an SRV name)
     * @param backends    backends found in the last good answers
     * @param resolutions rounds of resolution done
     * @param failures    answers that failed or were empty (the last good list was kept)
     * @param joined      backends that joined the pool from DNS
     * @param removed     backends that left it (they drain: open connections finish)
     * @param stale       whether the last answer of some name failed, so its last good list serves on
     * @param lastError   why the last failed answer failed, null when none did
     */
    public record Dns(List<String> names, int backends, long resolutions, long failures, long joined, long removed,
                      boolean stale, String lastError) {
        public Dns {
            names = List.copyOf(names);
        }
    }

    /**
     * One backend.
     *
     * @param state  what the balancer does with it: {@code up}, {@code down} (failing checks),
     *               {@code drain} or {@code disabled} (set by an operator)
     * @param health the health checks' verdict alone: {@code up} or {@code down}
     * @param checkLatencyMillis the last successful check's time to its verdict (the connect for a
     *               TCP check, the answer for send/expect and HTTP), null before the first
     * @param checks         health checks done, passed or failed
     * @param checkFailures  health checks failed
     * @param lastCheckError why the last check failed ("connection refused", "HTTP status 503
     *               (expected: 200-399)"), null when it passed or none ran
     */
    public record Backend(String name, String address, int weight, boolean backup, int maxConnections,
                          String state, String health, int active, long total, long bytesIn, long bytesOut,
                          long connectFailures, Double checkLatencyMillis, long checks, long checkFailures,
                          String lastCheckError) {
    }
}
