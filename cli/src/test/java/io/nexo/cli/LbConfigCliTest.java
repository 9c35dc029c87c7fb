package io.nexo.cli;

import io.nexo.cli.testing.NexoCommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nexo lb --config} and {@code --admin}: errors in-process, reload by SIGHUP in a real process. */
class LbConfigCliTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Process process;

    @AfterEach
    void tearDown() throws Exception {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void aBadConfigFileExitsTwoNamingFileAndLine() throws IOException {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, """
                listeners:
                  - {listen: "127.0.0.1:0", pool: web}
                pools:
                  web:
                    backends:
                      - {address: "127.0.0.1:8001", wieght: 2}
                """);
        CliRun run = CliRun.of("lb", "--config", file.toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("nexo lb: " + file
                + ":6: unknown key 'wieght' (expected one of: name, address, weight, backup, max-connections)");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void checkValidatesTheExampleFileWithoutStartingAnything() {
        Path example = Path.of("..", "docs", "nexo-lb.example.yaml");
        CliRun run = CliRun.of("lb", "--config", example.toString(), "--check");
        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out().trim()).isEqualTo(example + ": ok (2 listener(s), 2 pool(s), 6 backend(s))");

        CliRun withoutFile = CliRun.of("lb", "--check");
        assertThat(withoutFile.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(withoutFile.errLines()).containsExactly(
                "nexo lb: --check needs --config FILE (it validates a configuration file)");
    }

    @Test
    void aMissingFileAndMixingTheFileWithPoolFlagsExitTwo() {
        CliRun missing = CliRun.of("lb", "--config", dir.resolve("nope.yaml").toString());
        assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.errLines()).containsExactly("nexo lb: " + dir.resolve("nope.yaml") + ": no such file");

        CliRun mixed = CliRun.of("lb", "--config", "x.yaml", "--listen", "127.0.0.1:0");
        assertThat(mixed.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(mixed.errLines()).containsExactly("nexo lb: --config cannot be combined with --listen "
                + "(the file describes listeners and pools; only --admin, --admin-*, --io-threads and --transport "
                + "may be added)");
    }

    @Test
    void anAdminPortInUseExitsTwo() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun run = CliRun.of("lb", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:" + backend.getLocalPort(),
                    "--check-interval", "0", "--admin", "127.0.0.1:" + taken.getLocalPort());
            assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.errLines()).hasSize(1);
            assertThat(run.errLines().get(0))
                    .startsWith("nexo lb: admin: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ");
        }
    }

    /** A backend answering its name to every connection, on a free port. */
    private int namedBackend(String name) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        toClose.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException e) {
                    // closed, or the client left
                }
            }
        }, "backend-" + name);
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    private static String ask(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    private static String config(int listenPort, String backends) {
        return """
                listeners:
                  - {name: web, listen: "127.0.0.1:%d", pool: web}
                pools:
                  web:
                    health-check: {enabled: false}
                    backends:
                %s""".formatted(listenPort, backends);
    }

    @Test
    void sighupReloadsTheFileAndABrokenFileKeepsTheOldConfig() throws Exception {
        int one = namedBackend("one");
        int two = namedBackend("two");
        int listenPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listenPort = probe.getLocalPort(); // a fixed port, so the listener is the same across reloads
        }
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, config(listenPort, "      - {name: one, address: \"127.0.0.1:" + one + "\"}\n"));
        List<String> command = NexoCommandLine.javaNexo("-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=logback.xml");
        command.addAll(List.of("lb", "--config", file.toString(), "--admin", "127.0.0.1:0", "--io-threads", "1"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(dir.resolve("stderr.log").toFile());
        process = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("nexo lb listening on 127.0.0.1:" + listenPort + ", round-robin over "
                + "127.0.0.1:" + one);
        Matcher admin = Pattern.compile("admin API and stats page on http://(127\\.0\\.0\\.1:\\d+)/")
                .matcher(out.readLine());
        assertThat(admin.matches()).isTrue();
        assertThat(ask(listenPort)).isEqualTo("one");

        Files.writeString(file, config(listenPort, "      - {name: two, address: \"127.0.0.1:" + two + "\"}\n"));
        signal("HUP");
        await().atMost(Duration.ofSeconds(15)).until(() -> ask(listenPort).equals("two"));

        Files.writeString(file, config(listenPort, "      - {name: two, address: \"127.0.0.1:" + two
                + "\", weight: 999}\n"));
        signal("HUP");
        Path log = dir.resolve("stderr.log");
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.readString(log)
                .contains("reload refused, the running configuration stays: " + file + ":7: weight: 999"));
        assertThat(process.isAlive()).isTrue();
        assertThat(ask(listenPort)).isEqualTo("two");

        // the same reload through the admin API reports the error to the caller
        HttpResponse<String> reload = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + admin.group(1) + "/api/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reload.statusCode()).isEqualTo(400);
        assertThat(reload.body()).contains("weight: 999 (expected: 1-256)");

        signal("TERM");
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    @Test
    void aTokenGuardsTheApiOfARealProcessAndSighupReadsANewOne() throws Exception {
        int one = namedBackend("one");
        Path token = dir.resolve("admin.token");
        Files.writeString(token, "first-token-0123456789\n");
        Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        List<String> command = NexoCommandLine.javaNexo("-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=logback.xml");
        command.addAll(List.of("lb", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:" + one,
                "--check-interval", "0", "--admin", "127.0.0.1:0", "--admin-token-file", token.toString(),
                "--io-threads", "1"));
        process = new ProcessBuilder(command).redirectError(dir.resolve("stderr.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).startsWith("nexo lb listening on 127.0.0.1:");
        Matcher admin = Pattern.compile("admin API and stats page on http://(127\\.0\\.0\\.1:\\d+)/")
                .matcher(out.readLine());
        assertThat(admin.matches()).isTrue();
        HttpClient http = HttpClient.newHttpClient();
        java.util.function.Function<String, Integer> statusWith = bearer -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + admin.group(1) + "/api/status"))
                    .timeout(Duration.ofSeconds(5));
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            try {
                return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(statusWith.apply(null)).isEqualTo(401);
        assertThat(statusWith.apply("first-token-0123456789")).isEqualTo(200);

        Files.writeString(token, "second-token-0123456789\n");
        signal("HUP");
        await().atMost(Duration.ofSeconds(15)).until(() -> statusWith.apply("second-token-0123456789") == 200);
        assertThat(statusWith.apply("first-token-0123456789")).isEqualTo(401);

        signal("TERM");
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
