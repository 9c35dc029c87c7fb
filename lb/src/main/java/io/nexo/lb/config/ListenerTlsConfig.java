package io.nexo.lb.config;

import io.nexo.core.config.Durations;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a listener does with TLS: nothing (plain TCP), terminate it ({@code tls-cert}), or route the
 * still-encrypted connection by the ClientHello's server name ({@code sni-routes}). Never both.
 *
 * @param certificates PEM files (chain + key); the first serves clients without SNI or with an unknown name
 * @param alpn         protocols offered in ALPN, in preference order; empty = no ALPN
 * @param minVersion   {@code TLSv1.2} or {@code TLSv1.3}
 * @param clientCa     with a CA file, clients must present a certificate it signed
 * @param sniRoutes    server name ({@code a.example.com} or {@code *.example.com}) -> pool, in order
 * @param sniTimeout   how long a client may take to send its ClientHello (and, terminating, to finish
 *                     the handshake) before it is closed
 */
public record ListenerTlsConfig(List<Path> certificates, List<String> alpn, String minVersion,
                                Optional<Path> clientCa, Map<String, String> sniRoutes, Duration sniTimeout) {

    public static final String DEFAULT_MIN_VERSION = "TLSv1.2";
    public static final Duration DEFAULT_SNI_TIMEOUT = Duration.ofSeconds(5);

    private static final List<String> VERSIONS = List.of("TLSv1.2", "TLSv1.3");
    /** A DNS name, or {@code *.} and a DNS name of at least two labels, as certificates allow wildcards. */
    private static final Pattern SERVER_NAME = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    /** Plain TCP (after the constants its constructor checks against). */
    public static final ListenerTlsConfig NONE = new ListenerTlsConfig(List.of(), List.of(), DEFAULT_MIN_VERSION,
            Optional.empty(), Map.of(), DEFAULT_SNI_TIMEOUT);

    public ListenerTlsConfig {
        certificates = List.copyOf(certificates);
        alpn = List.copyOf(alpn);
        Objects.requireNonNull(clientCa, "clientCa");
        Map<String, String> routes = new LinkedHashMap<>();
        sniRoutes.forEach((name, pool) -> routes.put(serverName(name), pool));
        sniRoutes = Collections.unmodifiableMap(routes);
        if (!VERSIONS.contains(minVersion)) {
            throw new IllegalArgumentException("tls-min-version: '" + minVersion + "' (expected one of: "
                    + String.join(", ", VERSIONS) + ")");
        }
        for (String p : alpn) {
            if (p.isEmpty() || p.length() > 255 || !p.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("tls-alpn: '" + p + "' (expected: 1-255 printable characters "
                        + "such as h2 or http/1.1)");
            }
        }
        if (!certificates.isEmpty() && !routes.isEmpty()) {
            throw new IllegalArgumentException("sni-route: cannot be combined with tls-cert (expected: terminate "
                    + "with tls-cert, or pass through by SNI with sni-route)");
        }
        if (certificates.isEmpty()
                && (!alpn.isEmpty() || clientCa.isPresent() || !minVersion.equals(DEFAULT_MIN_VERSION))) {
            throw new IllegalArgumentException("tls-cert: none (expected: at least one with tls-alpn, "
                    + "tls-min-version or tls-client-ca)");
        }
        routes.values().forEach(pool -> Names.check("sni-route pool", pool));
        if (sniTimeout.toMillis() < 1 || sniTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("sni-timeout: " + Durations.format(sniTimeout)
                    + " (expected: 1ms-5m)");
        }
    }

    /** Terminates TLS with these certificates. */
    public static ListenerTlsConfig terminate(List<Path> certificates, List<String> alpn, String minVersion,
                                              Optional<Path> clientCa, Duration handshakeTimeout) {
        return new ListenerTlsConfig(certificates, alpn, minVersion, clientCa, Map.of(), handshakeTimeout);
    }

    /** Passes connections through to the pool their ClientHello names. */
    public static ListenerTlsConfig route(Map<String, String> sniRoutes, Duration sniTimeout) {
        return new ListenerTlsConfig(List.of(), List.of(), DEFAULT_MIN_VERSION, Optional.empty(), sniRoutes,
                sniTimeout);
    }

    public boolean terminates() {
        return !certificates.isEmpty();
    }

    public boolean routesBySni() {
        return !sniRoutes.isEmpty();
    }

    /** {@code name} in lower case, checked as a DNS name or {@code *.domain}. */
    static String serverName(String name) {
        String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (lower.length() > 253 || !SERVER_NAME.matcher(lower).matches() || lower.equals("*.")
                || (lower.startsWith("*.") && !lower.substring(2).contains("."))) {
            throw new IllegalArgumentException("sni-route: '" + name + "' (expected: a DNS name such as "
                    + "a.example.com, or *.example.com)");
        }
        return lower;
    }
}
