package io.nexo.lb.soak;

import io.netty.buffer.PooledByteBufAllocator;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile clients: slowloris connections that trickle a byte at a time, clients that request a lot
 * and never read, and a connection flood far above {@code max-connections}; meanwhile well-behaved
 * clients (a connection, a request line, the answer, close) must all succeed with bounded latency.
 *
 * <p>The latency bound is p99 &lt; {@value #P99_BOUND_MILLIS} ms. A request through the balancer on
 * loopback takes well under a millisecond when the machine is quiet; the bound leaves two to three
 * orders of magnitude for GC pauses and the two cores shared with other builds, while an event loop
 * that blocks on a hostile connection, or a well-behaved client queued behind hostile ones, would
 * take seconds (the slowloris trickle alone lasts the whole phase).
 *
 * <p>Sizes: {@code -Dnexo.soak.hostile.seconds} (default 10 per phase),
 * {@code -Dnexo.soak.hostile.slowloris} (default 200), {@code -Dnexo.soak.hostile.nonReaders}
 * (default 50), {@code -Dnexo.soak.hostile.maxConnections} (default 300; the flood opens three times
 * as many).
 */
@Tag("slow")
class HostileClientsTest {

    private static final Logger log = LoggerFactory.getLogger(HostileClientsTest.class);

    private static final long PHASE_SECONDS = Long.getLong("nexo.soak.hostile.seconds", 10);
    private static final int SLOWLORIS = Integer.getInteger("nexo.soak.hostile.slowloris", 200);
    private static final int NON_READERS = Integer.getInteger("nexo.soak.hostile.nonReaders", 50);
    private static final int MAX_CONNECTIONS = Integer.getInteger("nexo.soak.hostile.maxConnections", 300);
    private static final int WELL_BEHAVED = 4;
    private static final long P99_BOUND_MILLIS = 500;
    /** Each non-reader asks for this many {@link LineBackend#BIG_SIZE} answers: 32 MiB it never reads. */
    private static final int BIG_REQUESTS = 32;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Socket> hostile = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (Socket s : hostile) {
            s.close();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** Two listeners over one pool of two line backends, one io thread so that nothing hides a stall. */
    private LoadBalancer balancer() throws Exception {
        LineBackend a = closing(new LineBackend("a"));
        LineBackend b = closing(new LineBackend("b"));
        PoolConfig pool = new PoolConfig("lines", "round-robin",
                List.of(BackendConfig.of(a.address()), BackendConfig.of(b.address())),
                HealthCheckConfig.DEFAULT, Duration.ofSeconds(2), Duration.ofMinutes(5), ProxyProtocol.NONE);
        BalancerConfig config = new BalancerConfig(List.of(
                new ListenerConfig("public", new HostAndPort("127.0.0.1", 0), "lines", MAX_CONNECTIONS),
                new ListenerConfig("trusted", new HostAndPort("127.0.0.1", 0), "lines", 100)),
                Map.of("lines", pool), Optional.empty(), false, Duration.ofSeconds(1));
        LoadBalancer lb = closing(new LoadBalancer(config, 1));
        lb.start();
        return lb;
    }

    @Test
    void slowlorisAndClientsThatNeverReadDoNotSlowWellBehavedClients() throws Exception {
        LoadBalancer lb = balancer();
        InetSocketAddress at = lb.addresses().get("public");
        PooledByteBufAllocator.DEFAULT.metric(); // touch before the baseline
        long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();

        for (int i = 0; i < NON_READERS; i++) {
            Socket s = hostileSocket(at);
            s.getOutputStream().write("big\n".repeat(BIG_REQUESTS).getBytes(StandardCharsets.US_ASCII));
        }
        List<Socket> loris = new ArrayList<>();
        for (int i = 0; i < SLOWLORIS; i++) {
            loris.add(hostileSocket(at));
        }
        ExecutorService threads = Executors.newFixedThreadPool(WELL_BEHAVED + 1);
        toClose.add(threads::shutdownNow);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_SECONDS);
        // one thread trickles a byte to every slowloris connection every 100 ms: never a full line
        AtomicLong trickled = new AtomicLong();
        Future<?> trickle = threads.submit(() -> {
            while (System.nanoTime() < end) {
                for (Socket s : loris) {
                    s.getOutputStream().write('x');
                    trickled.incrementAndGet();
                }
                TimeUnit.MILLISECONDS.sleep(100); // the attack's pace, not synchronisation
            }
            return null;
        });
        AtomicLong maxDirect = new AtomicLong();
        Latencies latencies = wellBehaved(threads, at, end, () ->
                maxDirect.accumulateAndGet(PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), Math::max));
        trickle.get(30, TimeUnit.SECONDS);

        log.warn("hostile: {} well-behaved requests, p50 {} ms, p99 {} ms, max {} ms; {} bytes trickled; "
                        + "pooled direct memory peak {} MiB", latencies.count(), latencies.percentileMillis(50),
                latencies.percentileMillis(99), latencies.percentileMillis(100), trickled.get(),
                (maxDirect.get() - directBefore) >> 20);
        assertThat(latencies.failures.get()).as("well-behaved requests that failed").isZero();
        assertThat(latencies.count()).as("well-behaved requests served").isGreaterThan(100);
        assertThat(latencies.percentileMillis(99)).as("p99 latency of well-behaved clients (ms)")
                .isLessThan(P99_BOUND_MILLIS);
        assertThat(lb.status().listeners().get(0).active())
                .as("hostile connections still held open (none was dropped)")
                .isEqualTo(SLOWLORIS + NON_READERS);
        // Backpressure: per non-reader the balancer holds at most the high water mark (64 KiB) plus one
        // read batch (RelayTuning: at most 16 reads of 32 KiB; counted here as 64 KiB reads so that a
        // retuning stays inside) plus 32 MiB of pool chunk granularity; without backpressure it would
        // buffer most of the 32 MiB each asked for, 1.6 GiB in all.
        long bound = NON_READERS * (64L * 1024 + 16 * 64 * 1024) + (32L << 20);
        assertThat(maxDirect.get() - directBefore).as("pooled direct memory growth (bound %d)", bound)
                .isLessThan(bound);
    }

    @Test
    void aFloodAboveMaxConnectionsIsRefusedPromptlyAndStarvesNoOtherListener() throws Exception {
        LoadBalancer lb = balancer();
        InetSocketAddress flooded = lb.addresses().get("public");
        InetSocketAddress trusted = lb.addresses().get("trusted");
        ExecutorService threads = Executors.newFixedThreadPool(WELL_BEHAVED + 1);
        toClose.add(threads::shutdownNow);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_SECONDS);

        // Connections are accepted in the order they were made (one io thread, FIFO backlog): the first
        // MAX_CONNECTIONS are admitted and held, every later one must be closed by the balancer at once.
        AtomicInteger refusedPromptly = new AtomicInteger();
        AtomicLong slowestRefusal = new AtomicLong();
        Future<?> flood = threads.submit(() -> {
            for (int i = 0; i < 3 * MAX_CONNECTIONS && System.nanoTime() < end; i++) {
                Socket s = hostileSocket(flooded);
                if (i >= MAX_CONNECTIONS) {
                    long t0 = System.nanoTime();
                    if (closedWithin(s, 2_000)) {
                        refusedPromptly.incrementAndGet();
                        slowestRefusal.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    }
                }
            }
            return null;
        });
        Latencies latencies = wellBehaved(threads, trusted, end, () -> { });
        flood.get(60, TimeUnit.SECONDS);

        log.warn("flood: {} refused, {} admitted; well-behaved on the other listener: {} requests, p99 {} ms",
                lb.refusedConnections(), lb.status().listeners().get(0).active(), latencies.count(),
                latencies.percentileMillis(99));
        assertThat(lb.status().listeners().get(0).active()).as("admitted on the flooded listener")
                .isEqualTo(MAX_CONNECTIONS);
        assertThat(lb.refusedConnections()).as("refused").isEqualTo(2L * MAX_CONNECTIONS);
        assertThat(refusedPromptly.get()).as("refused connections the client saw closed")
                .isEqualTo(2 * MAX_CONNECTIONS);
        // "promptly": a refused client waits for no timeout of the balancer's (the shortest, connect, is
        // 3 s by default); 2 s leaves room for a GC pause on the shared machine
        assertThat(TimeUnit.NANOSECONDS.toMillis(slowestRefusal.get())).as("slowest refusal (ms)")
                .isLessThan(2_000);
        assertThat(latencies.failures.get()).as("failed requests on the other listener").isZero();
        assertThat(latencies.count()).isGreaterThan(100);
        assertThat(latencies.percentileMillis(99)).as("p99 on the other listener (ms)").isLessThan(P99_BOUND_MILLIS);

        // the flood ends: the flooded listener serves again at once
        for (Socket s : hostile) {
            s.close();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(lb.status().listeners().get(0).active()).isZero());
        assertThat(request(flooded, "back")).endsWith(" back");
    }

    /** Whether the balancer closed {@code s} (end of stream) within {@code millis}. */
    private static boolean closedWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private Socket hostileSocket(InetSocketAddress at) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        hostile.add(s);
        s.connect(at, 5_000);
        return s;
    }

    /**
     * Runs {@value #WELL_BEHAVED} clients doing connect, request line, answer line, close until
     * {@code end}, calling {@code sample} after each request.
     */
    private static Latencies wellBehaved(ExecutorService threads, InetSocketAddress at, long end, Runnable sample)
            throws Exception {
        Latencies latencies = new Latencies();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < WELL_BEHAVED; c++) {
            int client = c;
            futures.add(threads.submit(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    String line = "hello-" + client + "-" + n++;
                    long t0 = System.nanoTime();
                    try {
                        String answer = request(at, line);
                        if (answer.endsWith(" " + line)) {
                            latencies.add(System.nanoTime() - t0);
                        } else {
                            latencies.failures.incrementAndGet();
                        }
                    } catch (IOException e) {
                        log.warn("well-behaved client {}: {}", client, e.toString());
                        latencies.failures.incrementAndGet();
                    }
                    sample.run();
                    TimeUnit.MILLISECONDS.sleep(5); // pace, so the clients measure rather than load
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime()) + 30, TimeUnit.SECONDS);
        }
        return latencies;
    }

    private static String request(InetSocketAddress at, String line) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(at, 10_000);
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            if (answer == null) {
                throw new IOException("closed without an answer");
            }
            return answer;
        }
    }

    private static final class Latencies {
        final ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
        final AtomicInteger failures = new AtomicInteger();

        void add(long n) {
            nanos.add(n);
        }

        int count() {
            return nanos.size();
        }

        long percentileMillis(int p) {
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            if (sorted.length == 0) {
                return Long.MAX_VALUE;
            }
            int index = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
            return TimeUnit.NANOSECONDS.toMillis(sorted[Math.max(0, index)]);
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }
}
