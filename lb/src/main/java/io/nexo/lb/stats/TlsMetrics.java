package io.nexo.lb.stats;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The TLS families of {@link LbMetrics}, from {@link LbStatus#tls()}:
 *
 * <pre>
 * nexo_lb_tls_handshakes_total{listener}                 counter (passing through: ClientHellos routed)
 * nexo_lb_tls_handshakes_total{pool}                     counter, handshakes nexo made to the pool's backends
 * nexo_lb_tls_handshake_failures_total{listener,reason}  counter
 * nexo_lb_tls_handshake_failures_total{pool,reason}      counter, towards the pool's backends (backend-tls)
 * nexo_lb_tls_sni_hits_total{listener,route}             counter (route: certificate name or SNI route)
 * nexo_lb_tls_sni_misses_total{listener}                 counter
 * nexo_lb_tls_certificate_expiry_days{listener,file}     gauge, days until the leaf's notAfter
 * </pre>
 */
final class TlsMetrics {

    private TlsMetrics() {
    }

    static void collect(LbStatus s, MetricSnapshots.Builder out) {
        CounterSnapshot.Builder handshakes = CounterSnapshot.builder().name("nexo_lb_tls_handshakes")
                .help("TLS handshakes completed with clients (SNI passthrough: ClientHellos routed to a pool), "
                        + "or with a pool's backends.");
        CounterSnapshot.Builder failures = CounterSnapshot.builder().name("nexo_lb_tls_handshake_failures")
                .help("TLS handshakes or ClientHellos that failed, by reason (client side by listener, "
                        + "backend side by pool).");
        CounterSnapshot.Builder hits = CounterSnapshot.builder().name("nexo_lb_tls_sni_hits")
                .help("Client server names that matched a certificate name or SNI route.");
        CounterSnapshot.Builder misses = CounterSnapshot.builder().name("nexo_lb_tls_sni_misses")
                .help("Client server names (or none) that matched nothing: default certificate, fallback or closed.");
        GaugeSnapshot.Builder expiry = GaugeSnapshot.builder().name("nexo_lb_tls_certificate_expiry_days")
                .help("Days until the certificate expires (negative: expired).");
        for (LbStatus.Tls t : s.tls()) {
            Labels listener = Labels.of("listener", t.listener());
            handshakes.dataPoint(counter(t.handshakes(), listener));
            t.failures().forEach((reason, n) -> failures.dataPoint(counter(n, listener.add("reason", reason))));
            t.sniHits().forEach((route, n) -> hits.dataPoint(counter(n, listener.add("route", route))));
            misses.dataPoint(counter(t.sniMisses(), listener));
            for (LbStatus.Certificate c : t.certificates()) {
                expiry.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(c.daysUntilExpiry())
                        .labels(listener.add("file", c.file())).build());
            }
        }
        for (LbStatus.Pool p : s.pools()) {
            if (p.backendTls() != null) {
                // the client side is labelled by listener, the backend side by pool: one family, as
                // a dashboard sums "handshakes" and breaks them down either way
                Labels pool = Labels.of("pool", p.name());
                handshakes.dataPoint(counter(p.backendTls().handshakes(), pool));
                p.backendTls().failures().forEach((reason, n) ->
                        failures.dataPoint(counter(n, pool.add("reason", reason))));
            }
        }
        out.metricSnapshot(handshakes.build());
        out.metricSnapshot(failures.build());
        out.metricSnapshot(hits.build());
        out.metricSnapshot(misses.build());
        out.metricSnapshot(expiry.build());
    }

    private static CounterSnapshot.CounterDataPointSnapshot counter(double value, Labels labels) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }
}
