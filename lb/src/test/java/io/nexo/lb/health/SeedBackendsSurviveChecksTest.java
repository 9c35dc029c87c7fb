package io.nexo.lb.health;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.SeedPython;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The seed's scenario with the seed's own programs: three copies of its Python
 * {@code backend_server.py} (one thread, {@code recv(1024)}; a reset inside recv kills it) behind
 * the balancer checking every 100 ms, and the seed's client: the answers come 1 2 3 1 2 3 and every
 * backend is still alive after N checks each (counted, not timed).
 */
class SeedBackendsSurviveChecksTest {

    @RegisterExtension
    final Closer closer = new Closer();

    @TempDir
    Path dir;

    @BeforeAll
    static void needsPython() {
        assumeTrue(SeedPython.available(), "python3 is not installed: the seed's scripts cannot run");
    }

    @Test
    void theSeedBackendsAnswerInTurnAndSurviveChecksEvery100ms() throws Exception {
        run(30, Duration.ofMinutes(2));
    }

    @Test
    @Tag("slow")
    void theSeedBackendsSurviveTwoAndAHalfMinutesOfChecksEvery100ms() throws Exception {
        run(1500, Duration.ofMinutes(8));
    }

    @Test
    void theSeedBackendSurvivesAnsweringACheckThatHungUpBeforeTheAnswer() throws Exception {
        // a check that gave up waiting (its linger timed out) has closed its socket when the seed's
        // server finally reads its FIN and sends "Response from ...": the answer meets a reset
        SeedPython.writeBackend(dir);
        SeedPython.Backend python = closer.add(SeedPython.Backend.start(dir, "Server 1"));
        int port = python.port(Duration.ofSeconds(60));
        try (Socket busy = new Socket("127.0.0.1", port)) {
            busy.setSoTimeout(30_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> python.connections() == 1); // in recv() on busy
            try (Socket check = new Socket("127.0.0.1", port)) {
                check.shutdownOutput(); // FIN, then closed before the server even accepted it
            }
            busy.shutdownOutput(); // frees the one thread, which then serves the closed check
            assertThat(new String(busy.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("Response from Server 1\n");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> python.connections() == 2);

        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(30_000);
            client.getOutputStream().write("Hello Load Balancer".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("Response from Server 1\n");
        }
        assertThat(python.isAlive()).isTrue();
        assertThat(python.stderr()).isEmpty();
    }

    private void run(long checksPerBackend, Duration atMost) throws Exception {
        SeedPython.writeBackend(dir);
        List<SeedPython.Backend> pythons = new ArrayList<>();
        List<HostAndPort> addresses = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            SeedPython.Backend b = closer.add(SeedPython.Backend.start(dir, "Server " + i));
            pythons.add(b);
        }
        for (SeedPython.Backend b : pythons) {
            addresses.add(new HostAndPort("127.0.0.1", b.port(Duration.ofSeconds(60))));
        }
        // nexo lb --check-interval 100ms (the other flags at their defaults)
        HealthCheckConfig d = HealthCheckConfig.DEFAULT;
        LoadBalancer lb = closer.add(Lbs.defaults(addresses).withHealthChecks(Duration.ofMillis(100), d.rise(), d.fall())
                .balancer());
        int port = lb.start().getPort();
        SeedPython.writeClient(dir, port);
        List<Backend> backends = lb.backends().all();

        await().atMost(atMost).pollInterval(Duration.ofMillis(200))
                .until(() -> backends.stream().allMatch(b -> b.stats().checks() >= checksPerBackend)
                        || pythons.stream().anyMatch(p -> !p.isAlive()));
        for (int i = 0; i < 3; i++) {
            assertThat(pythons.get(i).isAlive()).as("Server %d after %d checks; its stderr:%n%s", i + 1,
                    backends.get(i).stats().checks(), pythons.get(i).stderr()).isTrue();
        }

        List<String> answers = SeedPython.runClient(dir, 6, Duration.ofMinutes(1));

        assertThat(answers).containsExactly("Response from Server 1", "Response from Server 2",
                "Response from Server 3", "Response from Server 1", "Response from Server 2", "Response from Server 3");
        for (int i = 0; i < 3; i++) {
            SeedPython.Backend python = pythons.get(i);
            Backend backend = backends.get(i);
            assertThat(python.isAlive()).as("Server %d", i + 1).isTrue();
            assertThat(python.stderr()).as("Server %d's stderr", i + 1).isEmpty();
            assertThat(backend.isUp()).as("Server %d", i + 1).isTrue();
            assertThat(backend.stats().total()).as("client connections to Server %d: checks are not clients", i + 1)
                    .isEqualTo(2);
            assertThat(backend.stats().checks()).isGreaterThanOrEqualTo(checksPerBackend);
            long checks = backend.stats().checks();
            // every check reached the real backend: it printed a connection for each (and the clients')
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> python.connections() >= checks + 2);
        }
    }
}
