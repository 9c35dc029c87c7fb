package io.nexo.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {

    @Test
    void callbackMetricsReadLiveValuesAtScrapeTime() {
        MetricsRegistry metrics = new MetricsRegistry();
        LongAdder bytes = new LongAdder();
        metrics.register(CounterWithCallback.builder()
                .name("nexo_test_bytes_total").help("Bytes seen.").labelNames("pool")
                .callback(cb -> cb.call(bytes.sum(), "web"))
                .build());
        metrics.register(GaugeWithCallback.builder()
                .name("nexo_test_up").help("Whether it is up.")
                .callback(cb -> cb.call(1))
                .build());

        bytes.add(1234);
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);

        assertThat(text).contains("# TYPE nexo_test_bytes_total counter\n",
                "nexo_test_bytes_total{pool=\"web\"} 1234.0\n", "nexo_test_up 1.0\n");
        assertThat(MetricsRegistry.CONTENT_TYPE).startsWith("text/plain; version=0.0.4");
    }

    @Test
    void registriesAreIndependent() {
        MetricsRegistry a = new MetricsRegistry();
        MetricsRegistry b = new MetricsRegistry();
        a.register(GaugeWithCallback.builder().name("only_in_a").help("x").callback(cb -> cb.call(1)).build());
        assertThat(new String(b.scrape(), StandardCharsets.UTF_8)).doesNotContain("only_in_a");
    }
}
