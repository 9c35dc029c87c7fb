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
 * healthy. Each request carries an id; each backend notes, by id, what it did and when. Every client
 * must end in exactly the way its backend explains, each close within a bound measured from the
 * backend's event: the silent backend's clients get an EOF one idle timeout after it read the
 * request; the resetting backend's clients get its 4 bytes and an EOF soon after its reset; a client
 * whose connection the flapper dropped gets an EOF soon after that kill. No client is reset, hangs, or
 * is closed without a backend event that explains it, and the healthy backends keep serving in every
 * second of the run.
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
    /** How late a close may reach the client after the backend event that caused it (loaded 2 cores). */
    private static final Duration SLACK = Duration.ofMillis(1_500);

    /** What a backend did with a request, by request id, and when ({@link System#nanoTime()}). */
    private record BackendEvent(String backend, String what, long nanos) {
    }

    private static final Map<String, BackendEvent> EVENTS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** Reads the request line {@code ping ID}; returns the id, or null when the connection ended first. */
    private static String requestId(Socket socket) throws IOException {
        String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        return line == null ? null : line.substring("ping ".length());
    }

    /** Reads one request and answers {@code Response from NAME}. */
    private static TestBackend.Handler answering(String name) {
        return socket -> {
            String id = requestId(socket);
            if (id != null) {
                socket.getOutputStream().write(("Response from " + name + "\n").getBytes(StandardCharsets.US_ASCII));
                EVENTS.put(id, new BackendEvent(name, "answered", System.nanoTime()));
            }
        };
    }

    @Test
    void everyClientCompletesOrIsClosedPromptlyAndHealthyBackendsKeepServing() throws Exception {
        TestBackend healthy1 = closing(TestBackend.start(answering("healthy-1")));
        TestBackend healthy2 = closing(TestBackend.start(answering("healthy-2")));
        // accepts, reads the request, never answers: only the idle timeout ends these
        TestBackend silent = closing(TestBackend.start(socket -> {
            String id = requestId(socket);
            if (id != null) {
                EVENTS.put(id, new BackendEvent("silent", "read", System.nanoTime()));
            }
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[256];
            while (in.read(buf) >= 0) {
                // swallow
            }
        }));
        // answers half a response, then resets (SO_LINGER 0 makes close() send RST)
        TestBackend resetting = closing(TestBackend.start(socket -> {
            String id = requestId(socket);
            socket.getOutputStream().write("Resp".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.setSoLinger(true, 0);
            if (id != null) {
                EVENTS.put(id, new BackendEvent("resetting", "reset", System.nanoTime()));
            }
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
        List<ClientResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        toClose.add(clients::shutdownNow);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(RUN_SECONDS);
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            futures.add(clients.submit(() -> {
                while (System.nanoTime() < end) {
                    results.add(oneRequest(at));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(RUN_SECONDS + 30, TimeUnit.SECONDS);
        }
        flapper.close();
        // the backends' events are all in: every client's connection has ended
        for (ClientResult r : results) {
            outcomes.record(start, explain(r, flapper.kills), r.endNanos());
        }
        log.warn("faults: {} requests: {}; flapper restarted {} times", outcomes.total(), outcomes.byKind,
                flapper.restarts.get());

        // every outcome is one the backends' events explain, within its bound
        Map<String, AtomicInteger> unexplained = new java.util.TreeMap<>(outcomes.byKind);
        unexplained.keySet().removeIf(k -> k.startsWith("answered ") || k.equals("closed after silence")
                || k.equals("closed mid-answer") || k.equals("closed by a kill"));
        assertThat(unexplained).as("outcomes the backends' events do not explain (hung, reset, late, ...)").isEmpty();
        assertThat(outcomes.slowest.get()).as("slowest outcome").isLessThan(PROMPT.toNanos());
        assertThat(outcomes.count("answered healthy-1")).isPositive();
        assertThat(outcomes.count("answered healthy-2")).isPositive();
        assertThat(outcomes.count("answered flapper")).as("the restarted backend is used again").isPositive();
        assertThat(outcomes.count("closed after silence")).as("the silent backend's clients were closed").isPositive();
        assertThat(outcomes.count("closed mid-answer")).as("the resetting backend's clients were closed").isPositive();
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

    /** How a client's connection ended, as the client saw it. */
    private enum End { EOF, RESET, TIMEOUT, ERROR }

    /** One client connection: its request id, what it read, how and when it ended. */
    private record ClientResult(String id, String answer, End end, String error, long startNanos, long endNanos) {
    }

    /** One connection: send a request line with a fresh id, read to the end; note how it ended. */
    private static ClientResult oneRequest(InetSocketAddress at) {
        String id = Long.toString(NEXT_ID.incrementAndGet());
        long t0 = System.nanoTime();
        ByteArrayOutputStream got = new ByteArrayOutputStream(64);
        End end;
        String error = null;
        try (Socket s = new Socket()) {
            s.setSoTimeout((int) PROMPT.toMillis());
            s.connect(at, (int) PROMPT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("ping " + id + "\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[128];
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
            end = End.EOF;
        } catch (SocketTimeoutException e) {
            end = End.TIMEOUT;
        } catch (java.net.SocketException e) {
            end = "Connection reset".equals(e.getMessage()) ? End.RESET : End.ERROR;
            error = e.toString();
        } catch (IOException e) {
            end = End.ERROR;
            error = e.toString();
        }
        return new ClientResult(id, got.toString(StandardCharsets.US_ASCII), end, error, t0, System.nanoTime());
    }

    /**
     * What happened to one client, explained by its backend's event. Anything the events do not
     * explain, or a close later than its bound after the event, is named as such and fails the test.
     */
    private static Outcome explain(ClientResult r, List<Long> kills) {
        long took = r.endNanos() - r.startNanos();
        if (r.end() == End.TIMEOUT) {
            return new Outcome("hung", took);
        }
        if (r.end() != End.EOF) {
            return new Outcome((r.end() == End.RESET ? "reset: " : "error: ") + r.error() + " with \"" + r.answer()
                    + "\" from " + EVENTS.get(r.id()), took);
        }
        BackendEvent e = EVENTS.get(r.id());
        if (e != null && e.what().equals("answered")) {
            return new Outcome(r.answer().equals("Response from " + e.backend() + "\n") ? "answered " + e.backend()
                    : "answer \"" + r.answer() + "\" but " + e.backend() + " answered", took);
        }
        if (e != null && e.what().equals("read")) {
            // the balancer's idle timer counts from its last read, just before the backend's
            long after = r.endNanos() - e.nanos();
            boolean onTime = r.answer().isEmpty() && after >= IDLE_TIMEOUT.minusMillis(100).toNanos()
                    && after <= IDLE_TIMEOUT.plus(SLACK).toNanos();
            return new Outcome(onTime ? "closed after silence"
                    : "silent backend's client closed " + after / 1_000_000 + " ms after the request with \""
                    + r.answer() + "\"", took);
        }
        if (e != null && e.what().equals("reset")) {
            long after = r.endNanos() - e.nanos();
            return new Outcome(r.answer().equals("Resp") && after <= SLACK.toNanos() ? "closed mid-answer"
                    : "reset backend's client got \"" + r.answer() + "\", closed " + after / 1_000_000
                    + " ms after the reset", took);
        }
        // no backend answered or read it: only a kill of the flapper (its open connections closed)
        // explains an empty EOF, and the kill must have come while the client waited, shortly before
        for (long kill : kills) {
            if (r.answer().isEmpty() && kill >= r.startNanos() - SLACK.toNanos() && kill <= r.endNanos()
                    && r.endNanos() - kill <= SLACK.toNanos()) {
                return new Outcome("closed by a kill", took);
            }
        }
        return new Outcome("closed with \"" + r.answer() + "\" and no backend event to explain it", took);
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

        void record(long start, Outcome o, long atNanos) {
            byKind.computeIfAbsent(o.kind(), k -> new AtomicInteger()).incrementAndGet();
            slowest.accumulateAndGet(o.nanos(), Math::max);
            if (o.kind().startsWith("answered healthy")) {
                int second = (int) TimeUnit.NANOSECONDS.toSeconds(atNanos - start);
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
        /** When each kill began (nanoTime). */
        final List<Long> kills = new java.util.concurrent.CopyOnWriteArrayList<>();

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
                    kills.add(System.nanoTime());
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
