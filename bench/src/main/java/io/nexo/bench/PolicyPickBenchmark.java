package io.nexo.bench;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.policy.Endpoint;
import io.nexo.lb.policy.LoadBalancingPolicy;
import io.nexo.lb.policy.Policies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Cost of one {@code pick}, the only policy call on a connection's path, for every policy, over 3 and
 * 32 endpoints, from one thread and from two at once (contention on the shared counter).
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar PolicyPick
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyPickBenchmark {

    private static final Predicate<Endpoint> ANY = e -> true;

    @Param({"round-robin", "weighted-round-robin", "least-connections", "random-two-choices", "source-hash"})
    public String policy;

    @Param({"3", "32"})
    public int endpoints;

    private LoadBalancingPolicy subject;
    private InetSocketAddress client;

    record BenchEndpoint(String name, HostAndPort address, int weight) implements Endpoint {
        @Override
        public int activeConnections() {
            return 0;
        }
    }

    @Setup
    public void setUp() {
        subject = Policies.byName(policy);
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            list.add(new BenchEndpoint("s" + i, new HostAndPort("127.0.0.1", 8001 + i), 1 + i % 3));
        }
        subject.setEndpoints(list);
        client = new InetSocketAddress("127.0.0.1", 40000);
    }

    @Benchmark
    public Endpoint pick() {
        return subject.pick(client, ANY);
    }

    @Benchmark
    @Threads(2)
    public Endpoint pickTwoThreads() {
        return subject.pick(client, ANY);
    }
}
