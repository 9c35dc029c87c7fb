package io.nexo.lb.soak;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults during load: while clients keep opening request/response connections through the balancer,
 * one backend is killed and restarted on the same port every {@value #FLAP_MILLIS} ms, one accepts
 * and reads but never answers, one answers a few bytes and then resets the connection, and two are
 * healthy. Every client must either get a complete answer or see its connection closed promptly (no
 * client waits past the idle timeout plus the connect timeout plus scheduling slack), and the
 * healthy backends must keep serving in every second of the run.
 *
 * <p>Duration: {@code -Dnexo.soak.faults.seconds} (default 20), {@code -Dnexo.soak.faults.clients}
 * (default 8) concurrent clients.
 */
@Tag("slow")
class FaultsUnderLoadTest {

    private static final Logger log = LoggerFactory.getLogger(FaultsUnderLoadTest.class);

    private static final long RUN_SECONDS = Long.getLong("nexo.soak.faults.seconds", 20);
    private static final int CLIENTS = Integer.getInteger("nexo.soak.faults.clients", 8);
    private static final long FLAP_MILLIS = 1_000;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    /**
     * The longest a client may wait for an answer or a close: the idle timeout that ends the silent
     * backend's connections, plus a connect timeout, plus 2.5 s for a shared, loaded 2-core machine
     * (GC, scheduling). A client still waiting then counts as hung.
     */
    private static final Duration PROMPT = IDLE_TIMEOUT.plus(CONNECT_TIMEOUT).plusMillis(2_500);

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** Reads one line and answers {@code Response from NAME}. */
    private static TestBackend.Handler answering(String name) {
        return socket -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            if (in.readLine() != null) {
                socket.getOutputStream().write(("Response from " + name + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        };
    }

    @Test
    void everyClientCompletesOrIsClosedPromptlyAndHealthyBackendsKeepServing() throws Exception {
        TestBackend healthy1 = closing(TestBackend.start(answering("healthy-1")));
        TestBackend healthy2 = closing(TestBackend.start(answering("healthy-2")));
        // accepts, reads the request, never answers: only the idle timeout ends these
        TestBackend silent = closing(TestBackend.start(socket -> {
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[256];
            while (in.read(buf) >= 0) {
                // swallow
            }
        }));
        // answers half a response, then resets (SO_LINGER 0 makes close() send RST)
        TestBackend resetting = closing(TestBackend.start(socket -> {
            new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            socket.getOutputStream().write("Resp".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.setSoLinger(true, 0);
        }));
        int flapPort = TestBackend.freePort();
        Flapper flapper = closing(new Flapper(flapPort));

        List<HostAndPort> backends = List.of(healthy1.address(), healthy2.address(), silent.address(),
                resetting.address(), new HostAndPort("127.0.0.1", flapPort));
        LoadBalancer lb = closing(Lbs.manualChecks(backends)
                .withHealthChecks(Duration.ofMillis(200), 1, 1)
                .withConnectTimeout(CONNECT_TIMEOUT)
                .withIdleTimeout(IDLE_TIMEOUT)
                .withIoThreads(2).balancer());
        InetSocketAddress at = lb.start();
        long fdsBefore = ProcessResources.openFds();

        flapper.startFlapping();
        Outcomes outcomes = new Outcomes((int) RUN_SECONDS + 5);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        toClose.add(clients::shutdownNow);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(RUN_SECONDS);
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            futures.add(clients.submit(() -> {
                while (System.nanoTime() < end) {
                    outcomes.record(start, oneRequest(at));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(RUN_SECONDS + 30, TimeUnit.SECONDS);
        }
        flapper.close();
        log.warn("faults: {} requests: {}; flapper restarted {} times", outcomes.total(), outcomes.byKind,
                flapper.restarts.get());

        assertThat(outcomes.count("hung")).as("clients left waiting longer than %s", PROMPT).isZero();
        assertThat(outcomes.slowest.get()).as("slowest outcome").isLessThan(PROMPT.toNanos());
        assertThat(outcomes.count("answered healthy-1")).isPositive();
        assertThat(outcomes.count("answered healthy-2")).isPositive();
        assertThat(outcomes.count("answered flapper")).as("the restarted backend is used again").isPositive();
        assertThat(outcomes.count("closed after silence")).as("the silent backend's clients were closed").isPositive();
        assertThat(outcomes.count("closed mid-answer") + outcomes.count("reset"))
                .as("the resetting backend's clients were closed").isPositive();
        assertThat(outcomes.count("unexpected")).as("answers that were not one of the backends'").isZero();
        assertThat(flapper.restarts.get()).as("the flapping backend was really restarted").isGreaterThanOrEqualTo(3);
        for (int second = 0; second < RUN_SECONDS; second++) {
            assertThat(outcomes.healthyPerSecond.get(second))
                    .as("answers from the healthy backends in second %d", second).isPositive();
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(lb.openConnections()).isZero();
            lb.backends().all().forEach(b -> assertThat(b.activeConnections()).as("%s", b).isZero());
        });
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(ProcessResources.openFds()).isLessThanOrEqualTo(fdsBefore + 16));
    }

    /** One connection: send a request line, read to the end; classify what happened. */
    private static Outcome oneRequest(InetSocketAddress at) {
        long t0 = System.nanoTime();
        ByteArrayOutputStream got = new ByteArrayOutputStream(64);
        String kind;
        try (Socket s = new Socket()) {
            s.setSoTimeout((int) PROMPT.toMillis());
            s.connect(at, (int) PROMPT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[128];
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
            kind = classify(got.toString(StandardCharsets.US_ASCII), System.nanoTime() - t0);
        } catch (SocketTimeoutException e) {
            kind = "hung";
        } catch (IOException e) {
            kind = "reset"; // connection reset, forwarded by the balancer as a close
        }
        return new Outcome(kind, System.nanoTime() - t0);
    }

    private static String classify(String answer, long nanos) {
        if (answer.startsWith("Response from ") && answer.endsWith("\n")) {
            return "answered " + answer.substring(14, answer.length() - 1);
        }
        if (answer.isEmpty()) {
            return nanos >= IDLE_TIMEOUT.toNanos() ? "closed after silence" : "closed at once";
        }
        if ("Resp".equals(answer) || answer.startsWith("Resp")) {
            return "closed mid-answer";
        }
        return "unexpected";
    }

    private record Outcome(String kind, long nanos) {
    }

    private static final class Outcomes {
        final Map<String, AtomicInteger> byKind = new ConcurrentHashMap<>();
        final AtomicLongArray healthyPerSecond;
        final AtomicLong slowest = new AtomicLong();

        Outcomes(int seconds) {
            healthyPerSecond = new AtomicLongArray(seconds);
        }

        void record(long start, Outcome o) {
            byKind.computeIfAbsent(o.kind(), k -> new AtomicInteger()).incrementAndGet();
            slowest.accumulateAndGet(o.nanos(), Math::max);
            if (o.kind().startsWith("answered healthy")) {
                int second = (int) TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                if (second < healthyPerSecond.length()) {
                    healthyPerSecond.incrementAndGet(second);
                }
            }
        }

        int count(String kind) {
            AtomicInteger n = byKind.get(kind);
            return n == null ? 0 : n.get();
        }

        int total() {
            return byKind.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    /**
     * A backend killed (listening socket and open connections closed) and restarted on the same port
     * every {@value #FLAP_MILLIS} ms.
     */
    private static final class Flapper implements AutoCloseable {
        private final int port;
        private final java.util.concurrent.ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor();
        private final AtomicReference<TestBackend> running = new AtomicReference<>();
        final AtomicInteger restarts = new AtomicInteger();

        Flapper(int port) throws IOException {
            this.port = port;
            running.set(TestBackend.start(port, answering("flapper")));
        }

        void startFlapping() {
            timer.scheduleWithFixedDelay(this::flip, FLAP_MILLIS, FLAP_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void flip() {
            try {
                TestBackend current = running.getAndSet(null);
                if (current != null) {
                    current.close();
                } else {
                    running.set(TestBackend.start(port, answering("flapper")));
                    restarts.incrementAndGet();
                }
            } catch (IOException e) {
                log.warn("flapper on port {}: {}", port, e.toString()); // retried at the next flip
            }
        }

        @Override
        public void close() throws IOException {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            TestBackend current = running.getAndSet(null);
            if (current != null) {
                current.close();
            }
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }
}
