package io.nexo.cli;

import io.nexo.cli.testing.EchoServer;
import io.nexo.cli.testing.NexoCommandLine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Runs nexo as a user does, in its own JVM, and stops it with real signals. */
class NexoProcessTest {

    private static final Pattern LISTENING = Pattern.compile("listening on (?:127\\.0\\.0\\.1|\\[::1]):(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("stats page on http://\\[::1]:(\\d+)/");

    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** A started nexo process, its stderr collected in the background. */
    private final class Nexo {
        final Process process;
        final StringBuffer err = new StringBuffer();
        final BufferedReader out;

        Nexo(String... args) throws IOException {
            List<String> command = NexoCommandLine.javaNexo("-Xmx128m", "-XX:TieredStopAtLevel=1",
                    // the production logging set-up (logs to stderr), not the tests' quiet one
                    "-Dlogback.configurationFile=logback.xml");
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("NEXO_LOG_LEVEL", "INFO");
            process = pb.start();
            processes.add(process);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Thread collector = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        err.append(line).append('\n');
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            }, "nexo-stderr");
            collector.setDaemon(true);
            collector.start();
        }

        /** Reads stdout until the "listening on HOST:PORT" line and returns the port. */
        int awaitListeningPort() throws IOException {
            return awaitPort(LISTENING);
        }

        /** Reads stdout until a line matches {@code line} and returns its first group as a port. */
        int awaitPort(Pattern line) throws IOException {
            String text;
            while ((text = out.readLine()) != null) {
                Matcher m = line.matcher(text);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            throw new AssertionError("nexo exited before listening; stderr:\n" + err);
        }

        void signal(String name) throws Exception {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
        }
    }


    private static void assertEcho(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        byte[] got = s.getInputStream().readNBytes(text.length());
        assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo(text);
    }

    /** A self-signed ECDSA certificate for {@code name} and its key in one PEM file, written by openssl. */
    private static void selfSigned(java.nio.file.Path file, String name) throws Exception {
        java.nio.file.Path key = java.nio.file.Files.createTempFile("nexo-key", ".pem");
        java.nio.file.Path cert = java.nio.file.Files.createTempFile("nexo-cert", ".pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "3", "-subj", "/CN=" + name,
                "-addext", "subjectAltName=DNS:" + name, "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // write whole, then move: the watcher never reads a half-written file
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile(file.getParent(), "next", ".pem");
        java.nio.file.Files.writeString(tmp,
                java.nio.file.Files.readString(cert) + java.nio.file.Files.readString(key));
        java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        java.nio.file.Files.delete(key);
        java.nio.file.Files.delete(cert);
    }

    private static String subjectSeenBy(int port) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "site.example.com").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        Matcher m = Pattern.compile("subject=\\s*CN\\s*=\\s*(\\S+)").matcher(out);
        return m.find() ? m.group(1) : out;
    }

    @Test
    void tlsCertificatesReloadOnSighupAndWhenTheFileChangesOnDisk() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("nexo-tls");
        java.nio.file.Path certFile = dir.resolve("site.pem");
        selfSigned(certFile, "first.example.com");
        int backend = EchoServer.start(50, toClose);
        Nexo lb = new Nexo("lb", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:" + backend,
                "--check-interval", "0", "--tls-cert", certFile.toString());
        int port = lb.awaitListeningPort();
        assertThat(subjectSeenBy(port)).isEqualTo("first.example.com");

        selfSigned(certFile, "second.example.com");
        lb.signal("HUP");
        await().atMost(Duration.ofSeconds(20)).until(() -> subjectSeenBy(port).equals("second.example.com"));

        // no signal: the watcher polls the file
        selfSigned(certFile, "third.example.com");
        await().atMost(Duration.ofSeconds(20)).until(() -> subjectSeenBy(port).equals("third.example.com"));
        assertThat(lb.process.isAlive()).isTrue();
    }

    @Test
    void sigtermStopsAcceptingDrainsTheOpenConnectionThenExitsZero() throws Exception {
        int backend = EchoServer.start(50, toClose);
        Nexo lb = new Nexo("lb", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:" + backend,
                "--check-interval", "0", "--io-threads", "1", "--drain-timeout", "30s");
        int port = lb.awaitListeningPort();
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            client.setSoTimeout(10_000);
            assertEcho(client, "before SIGTERM");

            lb.signal("TERM");
            await().atMost(Duration.ofSeconds(15)).until(() -> lb.err.toString().contains("draining 1 open connection"));
            assertThat(lb.process.isAlive()).isTrue();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
            assertEcho(client, "during the drain");

            client.shutdownOutput(); // the conversation ends normally
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(lb.process.waitFor(15, TimeUnit.SECONDS)).as("exited; stderr:\n%s", lb.err).isTrue();
        assertThat(lb.process.exitValue()).as(lb.err.toString()).isZero();
        assertThat(lb.err.toString()).contains("SIGTERM: stopping gracefully").contains("stopped");
    }

    @Test
    void backendAnswersLikeTheSeedAndStopsOnSigint() throws Exception {
        Nexo backend = new Nexo("backend", "--port", "0", "--name", "Server 9");
        int port = backend.awaitListeningPort();
        CliRun run = CliRun.of("request", "--to", "127.0.0.1:" + port, "--count", "3");
        assertThat(run.out()).isEqualTo(("Received: Response from Server 9\n".repeat(3))
                .replace("\n", System.lineSeparator()));
        await().atMost(Duration.ofSeconds(10)).until(() -> stderrOf(backend).contains("[Server 9] connection from"));
        backend.signal("INT");
        assertThat(backend.process.waitFor(15, TimeUnit.SECONDS)).as("exited; stderr:\n%s", backend.err).isTrue();
        assertThat(backend.process.exitValue()).isZero();
    }

    /** The seed's walk-through with every address on IPv6 loopback, as a user types it. */
    @Test
    void backendBalancerRequestAndAdminWorkOnIpv6Loopback() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6Loopback(), "this machine has no IPv6 loopback (::1)");
        Nexo backend = new Nexo("backend", "--host", "::1", "--port", "0", "--name", "Server 6");
        int backendPort = backend.awaitListeningPort();
        Nexo lb = new Nexo("lb", "--listen", "[::1]:0", "--backend", "[::1]:" + backendPort, "--check-interval", "0",
                "--io-threads", "1", "--admin", "[::1]:0");
        int port = lb.awaitListeningPort();
        int admin = lb.awaitPort(ADMIN);

        CliRun run = CliRun.of("request", "--to", "[::1]:" + port, "--count", "2");
        assertThat(run.errLines()).isEmpty();
        assertThat(run.out()).isEqualTo(("Received: Response from Server 6\n".repeat(2))
                .replace("\n", System.lineSeparator()));
        java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://[::1]:" + admin + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("nexo_lb_backend_connections_total{backend=\"[::1]:" + backendPort
                + "\",pool=\"default\"} 2.0");
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String stderrOf(Nexo n) {
        return n.err.toString();
    }
}
