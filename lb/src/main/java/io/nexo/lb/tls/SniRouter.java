package io.nexo.lb.tls;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Picks where a passed-through TLS connection goes from its ClientHello's server name: an exact
 * route first, then a {@code *.domain} route (one label, as certificates match), else the fallback,
 * or nothing (the connection is closed). Immutable; a reload builds a new one.
 *
 * <pre>
 * routes a.example.com -> A, *.example.com -> W, fallback F
 * a.example.com -> A; b.example.com -> W; x.b.example.com -> F; example.com -> F; no SNI -> F
 * </pre>
 *
 * @param <T> the destination (the pool's connector)
 */
public final class SniRouter<T> {

    /** A destination and the route that chose it ({@code null}: the fallback, a miss). */
    public record Choice<T>(T target, String route) {
    }

    private final Map<String, T> routes;
    private final T fallback;
    private final long timeoutMillis;
    private final TlsStats stats;

    /**
     * @param routes   lower-case server name or {@code *.domain} -> destination, in order
     * @param fallback for names that match no route, or {@code null} to close those connections
     */
    public SniRouter(Map<String, T> routes, T fallback, long timeoutMillis, TlsStats stats) {
        this.routes = new LinkedHashMap<>(routes);
        this.fallback = fallback;
        this.timeoutMillis = timeoutMillis;
        this.stats = stats;
    }

    /** Where a client asking for {@code host} ({@code null}: no SNI) goes; empty = nowhere. Counted. */
    public Optional<Choice<T>> route(String host) {
        String matched = null;
        if (host != null) {
            matched = routes.containsKey(host) && !host.startsWith("*.") ? host
                    : ServerNames.wildcardFor(routes.keySet(), host);
        }
        stats.sni(matched);
        T target = matched != null ? routes.get(matched) : fallback;
        return target == null ? Optional.empty() : Optional.of(new Choice<>(target, matched));
    }

    /** How long a client may take to send its whole ClientHello. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    public TlsStats stats() {
        return stats;
    }
}
