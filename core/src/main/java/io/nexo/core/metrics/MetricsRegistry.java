package io.nexo.core.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * nexo's metrics, rendered in the Prometheus text format by Prometheus' own Java client. Components
 * keep their counters in plain fields (LongAdder and friends) on their hot paths and register
 * callback metrics here that read them only when scraped, so counting costs no more than an add.
 *
 * <p>One registry per running component (not the client's global default), so tests and several
 * balancers in one JVM never see each other's series.
 */
public final class MetricsRegistry {

    /** The {@code Content-Type} of {@link #scrape()}: Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /** The underlying registry, to {@code register()} metrics built with the client's builders. */
    public PrometheusRegistry prometheus() {
        return registry;
    }

    public void register(Collector collector) {
        registry.register(collector);
    }

    public void register(MultiCollector collector) {
        registry.register(collector);
    }

    /** All metrics in the Prometheus text exposition format. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
