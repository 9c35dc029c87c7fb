package io.nexo.lb.stats;

import io.nexo.core.metrics.MetricsRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The balancer's Prometheus metrics. Nothing is updated on the proxy's hot path beyond
 * {@link BackendStats}/{@link ListenerStats}: a scrape takes one {@link LbStatus} and renders every
 * family from it, so all series of one scrape describe the same instant.
 *
 * <pre>
 * nexo_lb_backend_active_connections{pool,backend}      gauge
 * nexo_lb_backend_connections_total{pool,backend}       counter
 * nexo_lb_backend_bytes_in_total{pool,backend}          counter (client -> backend)
 * nexo_lb_backend_bytes_out_total{pool,backend}         counter (backend -> client)
 * nexo_lb_backend_connect_failures_total{pool,backend}  counter
 * nexo_lb_backend_up{pool,backend}                      gauge 1 = health checks pass
 * nexo_lb_backend_state{pool,backend,state}             gauge 1 for the current state
 * nexo_lb_backend_check_latency_seconds{pool,backend}   gauge, last successful check
 * nexo_lb_backend_checks_total{pool,backend}            counter, health checks done
 * nexo_lb_backend_check_failures_total{pool,backend}    counter, health checks failed
 * nexo_lb_backend_weight{pool,backend}                  gauge
 * nexo_lb_listener_accepted_total{listener}             counter
 * nexo_lb_listener_refused_total{listener}              counter
 * nexo_lb_listener_refused_per_ip_total{listener}       counter
 * nexo_lb_listener_active_connections{listener}         gauge
 * nexo_lb_tls_*                                         see {@link TlsMetrics}
 * nexo_lb_dns_resolutions_total{pool}                   counter, rounds of resolution (pools with backend-dns)
 * nexo_lb_dns_failures_total{pool}                      counter, failed or empty answers (last good list kept)
 * nexo_lb_dns_backends_joined_total{pool}               counter, backends that joined from DNS
 * nexo_lb_dns_backends_removed_total{pool}              counter, backends that left (and drain)
 * nexo_lb_dns_stale{pool}                               gauge 1 = the last answer failed, the last good list serves
 * </pre>
 */
public final class LbMetrics implements MultiCollector {

    static final String[] STATES = {"up", "down", "drain", "disabled"};

    private final Supplier<LbStatus> status;

    private LbMetrics(Supplier<LbStatus> status) {
        this.status = Objects.requireNonNull(status, "status");
    }

    /** Registers the balancer's metrics in {@code registry}, reading {@code status} once per scrape. */
    public static void register(MetricsRegistry registry, Supplier<LbStatus> status) {
        registry.register(new LbMetrics(status));
    }

    @Override
    public MetricSnapshots collect() {
        LbStatus s = status.get();
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        out.metricSnapshot(backendGauge(s, "nexo_lb_backend_active_connections",
                "Connections open to the backend now.", LbStatus.Backend::active));
        out.metricSnapshot(backendCounter(s, "nexo_lb_backend_connections",
                "Connections established to the backend.", LbStatus.Backend::total));
        out.metricSnapshot(backendCounter(s, "nexo_lb_backend_bytes_in",
                "Bytes sent from clients to the backend.", LbStatus.Backend::bytesIn));
        out.metricSnapshot(backendCounter(s, "nexo_lb_backend_bytes_out",
                "Bytes sent from the backend to clients.", LbStatus.Backend::bytesOut));
        out.metricSnapshot(backendCounter(s, "nexo_lb_backend_connect_failures",
                "Connection attempts to the backend that failed or timed out.", LbStatus.Backend::connectFailures));
        out.metricSnapshot(backendCounter(s, "nexo_lb_backend_checks",
                "Health checks done, passed or failed.", LbStatus.Backend::checks));
        out.metricSnapshot(backendCounter(s, "nexo_lb_backend_check_failures",
                "Health checks failed.", LbStatus.Backend::checkFailures));
        out.metricSnapshot(backendGauge(s, "nexo_lb_backend_up",
                "1 when the backend passes its health checks, else 0.", b -> b.health().equals("up") ? 1 : 0));
        out.metricSnapshot(backendGauge(s, "nexo_lb_backend_weight", "Current weight.", LbStatus.Backend::weight));

        GaugeSnapshot.Builder latency = GaugeSnapshot.builder().name("nexo_lb_backend_check_latency_seconds")
                .help("Time to the verdict of the last successful health check.");
        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("nexo_lb_backend_state")
                .help("1 for the backend's current state (up, down, drain, disabled), 0 for the others.");
        for (LbStatus.Pool p : s.pools()) {
            for (LbStatus.Backend b : p.backends()) {
                if (b.checkLatencyMillis() != null) {
                    latency.dataPoint(gauge(b.checkLatencyMillis() / 1000.0,
                            Labels.of("pool", p.name(), "backend", b.name())));
                }
                for (String st : STATES) {
                    state.dataPoint(gauge(b.state().equals(st) ? 1 : 0,
                            Labels.of("pool", p.name(), "backend", b.name(), "state", st)));
                }
            }
        }
        out.metricSnapshot(latency.build());
        out.metricSnapshot(state.build());

        CounterSnapshot.Builder accepted = CounterSnapshot.builder().name("nexo_lb_listener_accepted")
                .help("Client connections accepted.");
        CounterSnapshot.Builder refused = CounterSnapshot.builder().name("nexo_lb_listener_refused")
                .help("Client connections refused because the listener was at max-connections.");
        CounterSnapshot.Builder refusedPerIp = CounterSnapshot.builder().name("nexo_lb_listener_refused_per_ip")
                .help("Client connections refused because their IPv4 address or IPv6 /64 was at "
                        + "max-connections-per-ip.");
        GaugeSnapshot.Builder active = GaugeSnapshot.builder().name("nexo_lb_listener_active_connections")
                .help("Client connections open now.");
        for (LbStatus.Listener l : s.listeners()) {
            Labels labels = Labels.of("listener", l.name());
            accepted.dataPoint(counter(l.accepted(), labels));
            refused.dataPoint(counter(l.refused(), labels));
            refusedPerIp.dataPoint(counter(l.refusedPerIp(), labels));
            active.dataPoint(gauge(l.active(), labels));
        }
        out.metricSnapshot(accepted.build());
        out.metricSnapshot(refused.build());
        out.metricSnapshot(refusedPerIp.build());
        out.metricSnapshot(active.build());
        TlsMetrics.collect(s, out);
        if (s.pools().stream().anyMatch(p -> p.dns() != null)) {
            out.metricSnapshot(dnsCounter(s, "nexo_lb_dns_resolutions", "Rounds of DNS resolution.",
                    LbStatus.Dns::resolutions));
            out.metricSnapshot(dnsCounter(s, "nexo_lb_dns_failures",
                    "DNS answers that failed or were empty; the last good list was kept.", LbStatus.Dns::failures));
            out.metricSnapshot(dnsCounter(s, "nexo_lb_dns_backends_joined", "Backends that joined from DNS.",
                    LbStatus.Dns::joined));
            out.metricSnapshot(dnsCounter(s, "nexo_lb_dns_backends_removed",
                    "Backends that left with a DNS answer (they drain).", LbStatus.Dns::removed));
            GaugeSnapshot.Builder stale = GaugeSnapshot.builder().name("nexo_lb_dns_stale")
                    .help("1 when the last DNS answer of some name failed and its last good list serves on.");
            s.pools().stream().filter(p -> p.dns() != null).forEach(p ->
                    stale.dataPoint(gauge(p.dns().stale() ? 1 : 0, Labels.of("pool", p.name()))));
            out.metricSnapshot(stale.build());
        }
        return out.build();
    }

    private static CounterSnapshot dnsCounter(LbStatus s, String name, String help,
                                              ToDoubleFunction<LbStatus.Dns> value) {
        CounterSnapshot.Builder family = CounterSnapshot.builder().name(name).help(help);
        for (LbStatus.Pool p : s.pools()) {
            if (p.dns() != null) {
                family.dataPoint(counter(value.applyAsDouble(p.dns()), Labels.of("pool", p.name())));
            }
        }
        return family.build();
    }

    private static CounterSnapshot backendCounter(LbStatus s, String name, String help,
                                                  ToDoubleFunction<LbStatus.Backend> value) {
        CounterSnapshot.Builder family = CounterSnapshot.builder().name(name).help(help);
        for (LbStatus.Pool p : s.pools()) {
            for (LbStatus.Backend b : p.backends()) {
                family.dataPoint(counter(value.applyAsDouble(b), Labels.of("pool", p.name(), "backend", b.name())));
            }
        }
        return family.build();
    }

    private static GaugeSnapshot backendGauge(LbStatus s, String name, String help,
                                              ToDoubleFunction<LbStatus.Backend> value) {
        GaugeSnapshot.Builder family = GaugeSnapshot.builder().name(name).help(help);
        for (LbStatus.Pool p : s.pools()) {
            for (LbStatus.Backend b : p.backends()) {
                family.dataPoint(gauge(value.applyAsDouble(b), Labels.of("pool", p.name(), "backend", b.name())));
            }
        }
        return family.build();
    }

    private static CounterSnapshot.CounterDataPointSnapshot counter(double value, Labels labels) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot gauge(double value, Labels labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }
}
