package io.nexo.lb.stats;

import io.nexo.core.metrics.MetricsRegistry;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The balancer's Prometheus metrics. They are callback metrics: nothing is updated on the proxy's
 * hot path beyond {@link BackendStats}/{@link ListenerStats}; a scrape reads one {@link LbStatus}.
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
 * nexo_lb_backend_weight{pool,backend}                  gauge
 * nexo_lb_listener_accepted_total{listener}             counter
 * nexo_lb_listener_refused_total{listener}              counter
 * nexo_lb_listener_active_connections{listener}         gauge
 * </pre>
 */
public final class LbMetrics {

    static final String[] STATES = {"up", "down", "drain", "disabled"};

    private LbMetrics() {
    }

    /** Registers every metric in {@code registry}, each reading {@code status} at scrape time. */
    public static void register(MetricsRegistry registry, Supplier<LbStatus> status) {
        backendGauge(registry, status, "nexo_lb_backend_active_connections",
                "Connections open to the backend now.", b -> b.active());
        backendCounter(registry, status, "nexo_lb_backend_connections_total",
                "Connections established to the backend.", b -> b.total());
        backendCounter(registry, status, "nexo_lb_backend_bytes_in_total",
                "Bytes sent from clients to the backend.", b -> b.bytesIn());
        backendCounter(registry, status, "nexo_lb_backend_bytes_out_total",
                "Bytes sent from the backend to clients.", b -> b.bytesOut());
        backendCounter(registry, status, "nexo_lb_backend_connect_failures_total",
                "Connection attempts to the backend that failed or timed out.", b -> b.connectFailures());
        backendGauge(registry, status, "nexo_lb_backend_up",
                "1 when the backend passes its health checks, else 0.", b -> b.health().equals("up") ? 1 : 0);
        backendGauge(registry, status, "nexo_lb_backend_weight", "Current weight.", b -> b.weight());
        registry.register(GaugeWithCallback.builder()
                .name("nexo_lb_backend_check_latency_seconds")
                .help("Connect time of the last successful health check.")
                .labelNames("pool", "backend")
                .callback(cb -> {
                    for (LbStatus.Pool p : status.get().pools()) {
                        for (LbStatus.Backend b : p.backends()) {
                            if (b.checkLatencyMillis() != null) {
                                cb.call(b.checkLatencyMillis() / 1000.0, p.name(), b.name());
                            }
                        }
                    }
                })
                .build());
        registry.register(GaugeWithCallback.builder()
                .name("nexo_lb_backend_state")
                .help("1 for the backend's current state (up, down, drain, disabled), 0 for the others.")
                .labelNames("pool", "backend", "state")
                .callback(cb -> {
                    for (LbStatus.Pool p : status.get().pools()) {
                        for (LbStatus.Backend b : p.backends()) {
                            for (String state : STATES) {
                                cb.call(b.state().equals(state) ? 1 : 0, p.name(), b.name(), state);
                            }
                        }
                    }
                })
                .build());
        listenerCounter(registry, status, "nexo_lb_listener_accepted_total",
                "Client connections accepted.", LbStatus.Listener::accepted);
        listenerCounter(registry, status, "nexo_lb_listener_refused_total",
                "Client connections refused because the listener was at max-connections.", LbStatus.Listener::refused);
        registry.register(GaugeWithCallback.builder()
                .name("nexo_lb_listener_active_connections")
                .help("Client connections open now.")
                .labelNames("listener")
                .callback(cb -> status.get().listeners().forEach(l -> cb.call(l.active(), l.name())))
                .build());
    }

    private static void backendCounter(MetricsRegistry registry, Supplier<LbStatus> status, String name, String help,
                                       ToDoubleFunction<LbStatus.Backend> value) {
        registry.register(CounterWithCallback.builder()
                .name(name).help(help).labelNames("pool", "backend")
                .callback(cb -> forEachBackend(status, (p, b) -> cb.call(value.applyAsDouble(b), p, b.name())))
                .build());
    }

    private static void backendGauge(MetricsRegistry registry, Supplier<LbStatus> status, String name, String help,
                                     ToDoubleFunction<LbStatus.Backend> value) {
        registry.register(GaugeWithCallback.builder()
                .name(name).help(help).labelNames("pool", "backend")
                .callback(cb -> forEachBackend(status, (p, b) -> cb.call(value.applyAsDouble(b), p, b.name())))
                .build());
    }

    private static void listenerCounter(MetricsRegistry registry, Supplier<LbStatus> status, String name, String help,
                                        Function<LbStatus.Listener, Long> value) {
        registry.register(CounterWithCallback.builder()
                .name(name).help(help).labelNames("listener")
                .callback(cb -> status.get().listeners().forEach(l -> cb.call(value.apply(l), l.name())))
                .build());
    }

    private static void forEachBackend(Supplier<LbStatus> status,
                                       java.util.function.BiConsumer<String, LbStatus.Backend> action) {
        for (LbStatus.Pool p : status.get().pools()) {
            for (LbStatus.Backend b : p.backends()) {
                action.accept(p.name(), b);
            }
        }
    }
}
