package io.nexo.lb.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexo.core.metrics.MetricsRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlsMetricsTest {

    @Test
    void rendersHandshakesFailuresSniAndExpiryPerListener() {
        LbStatus status = new LbStatus(1, List.of(), List.of(), List.of(
                new LbStatus.Tls("https", "terminate", 12, Map.of("timeout", 2L, "not_tls", 0L),
                        Map.of("a.example.com", 9L), 3,
                        List.of(new LbStatus.Certificate("/etc/nexo/a.pem", "2027-01-01T00:00:00Z", 31.5))),
                new LbStatus.Tls("sni", "sni", 4, Map.of("timeout", 1L), Map.of("*.b.example.com", 4L), 0, List.of())));
        MetricsRegistry registry = new MetricsRegistry();
        LbMetrics.register(registry, () -> status);

        String text = new String(registry.scrape(), StandardCharsets.UTF_8);

        assertThat(text).contains(
                "nexo_lb_tls_handshakes_total{listener=\"https\"} 12.0\n",
                "nexo_lb_tls_handshakes_total{listener=\"sni\"} 4.0\n",
                "nexo_lb_tls_handshake_failures_total{listener=\"https\",reason=\"timeout\"} 2.0\n",
                "nexo_lb_tls_handshake_failures_total{listener=\"https\",reason=\"not_tls\"} 0.0\n",
                "nexo_lb_tls_sni_hits_total{listener=\"https\",route=\"a.example.com\"} 9.0\n",
                "nexo_lb_tls_sni_hits_total{listener=\"sni\",route=\"*.b.example.com\"} 4.0\n",
                "nexo_lb_tls_sni_misses_total{listener=\"https\"} 3.0\n",
                "nexo_lb_tls_certificate_expiry_days{file=\"/etc/nexo/a.pem\",listener=\"https\"} 31.5\n");
    }
}
