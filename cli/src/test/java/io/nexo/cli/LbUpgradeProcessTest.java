package io.nexo.cli;

import io.nexo.cli.testing.EchoServer;
import io.netty.channel.epoll.Epoll;
import io.nexo.cli.testing.NexoCommandLine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Upgrading {@code nexo lb} as a user does: each new process is started with {@code --takeover} on the
 * old one's {@code --handover-socket}, takes its listening socket, and the old one drains and exits 0,
 * while clients keep connecting through the balancer.
 */
class LbUpgradeProcessTest {

    private static final Pattern LISTENING = Pattern.compile("nexo lb listening on 127\\.0\\.0\\.1:(\\d+)");

    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Path dir;
    private Path socket;
    private int backendPort;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Epoll.isAvailable(), "the hand-over needs the epoll transport");
        dir = Files.createTempDirectory(Path.of("/tmp"), "nexo-up"); // mode 0700, short enough for sun_path
        socket = dir.resolve("lb.sock");
        backendPort = EchoServer.start(200, toClose);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
        if (dir != null) {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    /** A started {@code nexo lb}, stderr collected in the background. */
    private final class Lb {
        final Process process;
        final StringBuffer err = new StringBuffer();
        final int port;

        Lb(String listen, String... extra) throws IOException {
            List<String> command = NexoCommandLine.javaNexo("-Xmx96m", "-XX:TieredStopAtLevel=1",
                    "-Dlogback.configurationFile=logback.xml");
            command.addAll(List.of("lb", "--listen", listen, "--backend", "127.0.0.1:" + backendPort,
                    "--check-interval", "0", "--io-threads", "1", "--drain-timeout", "30s",
                    "--handover-socket", socket.toString()));
            command.addAll(List.of(extra));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("NEXO_LOG_LEVEL", "INFO");
            process = pb.start();
            processes.add(process);
            Thread collector = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    r.lines().forEach(l -> err.append(l).append('\n'));
                } catch (IOException ignored) {
                    // process gone
                }
            }, "nexo-stderr");
            collector.setDaemon(true);
            collector.start();
            port = awaitListening();
        }

        private int awaitListening() throws IOException {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            throw new AssertionError("nexo lb exited before listening; stderr:\n" + err);
        }

        /** The old process, after a successor took over: it exits 0 once its connections are done. */
        void awaitExitZero() throws InterruptedException {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited; stderr:\n%s", err).isTrue();
            assertThat(process.exitValue()).as(err.toString()).isZero();
            assertThat(err.toString()).contains("took over; stopping accepting and draining").contains("stopped");
        }

        /** The successor of this one, on the same address. */
        Lb successor() throws IOException {
            return new Lb("127.0.0.1:" + port, "--takeover", socket.toString());
        }
    }


    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String echo(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        return new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.UTF_8);
    }

    @Test
    void theNewProcessTakesTheListenerAndTheOldOneDrainsItsOpenConnectionThenExitsZero() throws Exception {
        Lb old = new Lb("127.0.0.1:0");
        assertThat(socket).exists();
        try (Socket longLived = connect(old.port)) {
            assertThat(echo(longLived, "before")).isEqualTo("before");
            Lb next = old.successor();
            assertThat(next.port).isEqualTo(old.port);
            await().atMost(Duration.ofSeconds(15)).until(() -> old.err.toString().contains("draining 1 open connection"));
            assertThat(old.process.isAlive()).isTrue();
            try (Socket fresh = connect(old.port)) { // accepted by the new process, the only one accepting
                assertThat(echo(fresh, "new")).isEqualTo("new");
            }
            assertThat(echo(longLived, "during the drain")).isEqualTo("during the drain");
            longLived.shutdownOutput();
            assertThat(longLived.getInputStream().read()).isEqualTo(-1);
        }
        old.awaitExitZero();
        assertThat(socket).exists(); // now the new process's
    }

    @Test
    @Tag("slow")
    void tenSuccessiveHandOversUnderLoadFailNoConnection() throws Exception {
        Lb current = new Lb("127.0.0.1:0");
        int port = current.port;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < 2; t++) {
                workers.add(clients.submit(() -> {
                    while (!stop.get()) {
                        try (Socket s = connect(port)) {
                            if (echo(s, "ping").equals("ping")) {
                                ok.incrementAndGet();
                            } else {
                                failures.add("bad echo");
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            for (int i = 1; i <= 10; i++) {
                long target = ok.get() + 100;
                await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= target || !failures.isEmpty());
                Lb next = current.successor();
                current.awaitExitZero();
                current = next;
            }
            long target = ok.get() + 100;
            await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= target || !failures.isEmpty());
        } finally {
            stop.set(true);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<?> w : workers) {
            w.get();
        }
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThanOrEqualTo(1_100);
        assertThat(processes).hasSize(11);
        assertThat(processes.subList(0, 10)).allSatisfy(p -> assertThat(p.isAlive()).isFalse());
    }
}
