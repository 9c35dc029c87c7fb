package io.nexo.lb;

import io.nexo.lb.config.ConfigDiff;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.proxy.BackendConnector;
import io.nexo.lb.proxy.ListenerState;
import io.nexo.lb.tls.SniRouter;
import io.nexo.lb.tls.TlsStats;
import io.nexo.lb.tls.TlsTerminator;

import io.nexo.lb.stats.LbStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Builds a listener's {@link ListenerState.Route} from its configuration and the pools' connectors:
 * plain TCP, TLS termination (certificates loaded here, so a bad file fails before anything
 * changes) or SNI passthrough. TLS counters outlive routes: they belong to the listener ({@link ConfigDiff#key}).
 */
final class Routes {

    private final Map<String, TlsStats> tlsStats = new ConcurrentHashMap<>();

    /**
     * @param connectors pool name -> its connector
     * @param pools      pool name -> its configuration
     * @throws IllegalArgumentException for a certificate file that cannot be used
     */
    ListenerState.Route build(ListenerConfig lc, Function<String, BackendConnector> connectors,
                              Function<String, PoolConfig> pools) {
        // the idle timeout of the listener's pool; passing through without one, of its first route's
        String idlePool = lc.pool() != null ? lc.pool() : lc.tls().sniRoutes().values().iterator().next();
        long idleNanos = pools.apply(idlePool).idleTimeout().toNanos();
        BackendConnector connector = lc.pool() != null ? connectors.apply(lc.pool()) : null;
        TlsStats stats = tlsStats.computeIfAbsent(ConfigDiff.key(lc), k -> new TlsStats());
        TlsTerminator tls = lc.tls().terminates() ? new TlsTerminator(lc.tls(), stats) : null;
        SniRouter<BackendConnector> sni = null;
        if (lc.tls().routesBySni()) {
            Map<String, BackendConnector> routes = new LinkedHashMap<>();
            lc.tls().sniRoutes().forEach((name, pool) -> routes.put(name, connectors.apply(pool)));
            sni = new SniRouter<>(routes, connector, lc.tls().sniTimeout().toMillis(), stats);
        }
        return new ListenerState.Route(lc.name(), connector, idleNanos, lc.maxConnections(), lc.maxConnectionsPerIp(),
                tls, sni);
    }

    /** The TLS counters and certificates of every listener that terminates or routes by SNI. */
    static List<LbStatus.Tls> status(List<ListenerState.Route> routes, Instant now) {
        List<LbStatus.Tls> out = new java.util.ArrayList<>();
        for (ListenerState.Route r : routes) {
            TlsStats stats = r.tls() != null ? r.tls().stats() : r.sni() != null ? r.sni().stats() : null;
            if (stats == null) {
                continue;
            }
            List<LbStatus.Certificate> certs = new java.util.ArrayList<>();
            if (r.tls() != null) {
                r.tls().expiries().forEach((file, notAfter) -> certs.add(new LbStatus.Certificate(file.toString(),
                        notAfter.toString(), Duration.between(now, notAfter).toSeconds() / 86_400.0)));
            }
            out.add(new LbStatus.Tls(r.listenerName(), r.tls() != null ? "terminate" : "sni", stats.handshakes(),
                    stats.failures(), stats.hits(), stats.misses(), certs));
        }
        return out;
    }

    /**
     * Re-reads the certificates of every terminating route; if any file is bad nothing changes and
     * the exception names it.
     *
     * @return one line per listener reloaded
     */
    static List<String> reloadCertificates(List<ListenerState.Route> routes) {
        List<Runnable> swaps = new java.util.ArrayList<>();
        List<String> lines = new java.util.ArrayList<>();
        for (ListenerState.Route r : routes) {
            if (r.tls() != null) {
                swaps.add(r.tls().prepareReload());
                lines.add("listener " + r.listenerName() + ": certificates reloaded (" + r.tls().files().size()
                        + " file(s))");
            }
        }
        swaps.forEach(Runnable::run);
        return lines;
    }
}
