package io.nexo.bench;

import io.nexo.core.metrics.MetricsRegistry;
import io.nexo.lb.stats.BackendStats;
import io.nexo.lb.stats.LbMetrics;
import io.nexo.lb.stats.LbStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What metrics cost the balancer: the counter updates on the proxy's hot path (one per read batch,
 * three per connection), from one event loop and from two at once on the same backend (the striped
 * {@code LongAdder} case), and a whole {@code /metrics} scrape, which runs on the admin thread.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar MetricsOverhead
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetricsOverheadBenchmark {

    private final BackendStats stats = new BackendStats();
    private MetricsRegistry registry;

    @Setup
    public void setUp() {
        List<LbStatus.Backend> backends = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            backends.add(new LbStatus.Backend("s" + i, "127.0.0.1:" + (8001 + i), 1, false, 0, "up", "up", 3, 1000,
                    1 << 20, 1 << 24, 0, 0.2, 100, 0, null));
        }
        LbStatus status = new LbStatus(60, List.of(new LbStatus.Listener("web", "127.0.0.1:8000", "web", 0, 30,
                10_000, 0)), List.of(new LbStatus.Pool("web", "round-robin", "none", backends)));
        registry = new MetricsRegistry();
        LbMetrics.register(registry, () -> status);
    }

    /** One read batch's bytes added to the backend's counter: what each relay does per batch. */
    @Benchmark
    public void bytesPerReadBatch() {
        stats.addBytesIn(16_384);
    }

    /** The same from two event loops at once on one backend. */
    @Benchmark
    @Threads(2)
    public void bytesPerReadBatchTwoLoops() {
        stats.addBytesIn(16_384);
    }

    /** Per connection: counted as started, established, closed. */
    @Benchmark
    public void perConnection() {
        stats.connectionStarted();
        stats.connectionEstablished();
        stats.connectionClosed();
    }

    /** A whole /metrics body for one pool of 10 backends (admin thread, not the proxy's). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] scrape() {
        return registry.scrape();
    }
}
