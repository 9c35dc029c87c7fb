package io.nexo.lb.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexo.core.metrics.MetricsRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LbMetricsTest {

    @Test
    void rendersEverySeriesFromTheCurrentStatus() {
        AtomicReference<LbStatus> status = new AtomicReference<>(new LbStatus(5,
                List.of(new LbStatus.Listener("web", "127.0.0.1:8000", "p", 0, 2, 10, 1)),
                List.of(new LbStatus.Pool("p", "round-robin", "none", List.of(
                        new LbStatus.Backend("s1", "127.0.0.1:8001", 3, false, 0, "up", "up", 2, 7, 100, 2000, 0, 0.25,
                                40, 0, null),
                        new LbStatus.Backend("s2", "127.0.0.1:8002", 1, true, 0, "drain", "down", 0, 3, 5, 6, 4,
                                null, 12, 9, "connection refused"))))));
        MetricsRegistry registry = new MetricsRegistry();
        LbMetrics.register(registry, status::get);

        String text = new String(registry.scrape(), StandardCharsets.UTF_8);

        assertThat(text).contains(
                "nexo_lb_backend_active_connections{backend=\"s1\",pool=\"p\"} 2.0\n",
                "nexo_lb_backend_connections_total{backend=\"s1\",pool=\"p\"} 7.0\n",
                "nexo_lb_backend_checks_total{backend=\"s1\",pool=\"p\"} 40.0\n",
                "nexo_lb_backend_check_failures_total{backend=\"s2\",pool=\"p\"} 9.0\n",
                "nexo_lb_backend_bytes_in_total{backend=\"s1\",pool=\"p\"} 100.0\n",
                "nexo_lb_backend_bytes_out_total{backend=\"s1\",pool=\"p\"} 2000.0\n",
                "nexo_lb_backend_connect_failures_total{backend=\"s2\",pool=\"p\"} 4.0\n",
                "nexo_lb_backend_up{backend=\"s1\",pool=\"p\"} 1.0\n",
                "nexo_lb_backend_up{backend=\"s2\",pool=\"p\"} 0.0\n",
                "nexo_lb_backend_weight{backend=\"s1\",pool=\"p\"} 3.0\n",
                "nexo_lb_backend_check_latency_seconds{backend=\"s1\",pool=\"p\"} 2.5E-4\n",
                "nexo_lb_backend_state{backend=\"s2\",pool=\"p\",state=\"drain\"} 1.0\n",
                "nexo_lb_backend_state{backend=\"s2\",pool=\"p\",state=\"up\"} 0.0\n",
                "nexo_lb_listener_accepted_total{listener=\"web\"} 10.0\n",
                "nexo_lb_listener_refused_total{listener=\"web\"} 1.0\n",
                "nexo_lb_listener_active_connections{listener=\"web\"} 2.0\n");
        // no latency before the first successful check
        assertThat(text).doesNotContain("nexo_lb_backend_check_latency_seconds{backend=\"s2\"");

        // series follow the live status: a removed backend disappears on the next scrape
        status.set(new LbStatus(6, List.of(), List.of()));
        assertThat(new String(registry.scrape(), StandardCharsets.UTF_8)).doesNotContain("s1");
    }
}
