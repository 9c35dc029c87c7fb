package io.nexo.bench.latency;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/** What one open-loop run measured: counts, and percentiles of the three histograms in microseconds. */
public record LoadResult(LoadSpec spec, long completed, long errors, long unfinished, long warmup,
                         double achievedRate, Percentiles latency, Percentiles service,
                         Percentiles sendLag, String transport) {

    LoadResult(LoadSpec spec, LatencyRecorder recorder, String transport) {
        this(spec, recorder.completed(), recorder.errors(), recorder.unfinished(), recorder.warmup(),
                recorder.achievedRate(), Percentiles.of(recorder.latency()), Percentiles.of(recorder.service()),
                Percentiles.of(recorder.sendLag()), transport);
    }

    /** This result, with {@code n} requests answered in the warm-up run before it. */
    LoadResult withWarmup(long n) {
        return new LoadResult(spec, completed, errors, unfinished, n, achievedRate, latency, service, sendLag, transport);
    }

    /** p50, p99, p99.9 and max of one histogram, in microseconds. */
    public record Percentiles(double p50, double p99, double p999, double max, long count) {
        static Percentiles of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Percentiles(0, 0, 0, 0, 0);
            }
            return new Percentiles(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount());
        }
    }

    /** Requests that were due in the measured part of the run. */
    public long measuredRequests() {
        return spec.totalRequests() - spec.warmupRequests();
    }

    /** A few readable lines, then one {@code RESULT key=value ...} line for scripts. */
    public String format() {
        return String.format(Locale.ROOT, """
                %s, %d requests/s over %d connections to %s:%d%s, warm-up %s then %s measured (%s)
                  requests %d, answered %d, errors %d, unfinished %d, achieved %.1f/s
                  latency from the due time (us): p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f
                  service time from the send (us): p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f
                  generator's send lag (us):      p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f
                RESULT mode=%s rate=%d connections=%d requests=%d completed=%d errors=%d unfinished=%d \
                achieved=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f lag_p99_us=%.1f lag_max_us=%.1f
                """,
                spec.mode().label(), spec.rate(), spec.connections(), spec.host(), spec.port(), spec.path(),
                spec.warmup(), spec.duration(), transport,
                measuredRequests(), completed, errors, unfinished, achievedRate,
                latency.p50, latency.p99, latency.p999, latency.max,
                service.p50, service.p99, service.p999, service.max,
                sendLag.p50, sendLag.p99, sendLag.p999, sendLag.max,
                spec.mode().label(), spec.rate(), spec.connections(), measuredRequests(), completed, errors,
                unfinished, achievedRate, latency.p50, latency.p99, latency.p999, latency.max,
                sendLag.p99, sendLag.max);
    }
}
