package io.nexo.lb.soak;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real servers and real load generators through the balancer: three {@code redis-server}s driven by
 * {@code redis-benchmark}, and three nginx virtual servers driven by {@code wrk} over keep-alive
 * connections. Both must finish with zero errors and every backend must have served. The Debian
 * packages are installed by {@code .ci/run}; where a binary is missing the test is skipped and says
 * which package to install.
 */
@Tag("slow")
class RealProtocolsTest {

    private static final Logger log = LoggerFactory.getLogger(RealProtocolsTest.class);

    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stopAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void redisBenchmarkThroughTheBalancerHasNoErrors() throws Exception {
        assumeInstalled("redis-server", "redis-server");
        assumeInstalled("redis-benchmark", "redis-tools");
        List<HostAndPort> backends = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            int port = TestBackend.freePort();
            Path data = Files.createDirectories(dir.resolve("redis" + i));
            start(data.resolve("out.log"), "redis-server", "--bind", "127.0.0.1", "--port", String.valueOf(port),
                    "--save", "", "--appendonly", "no", "--dir", data.toString(), "--protected-mode", "no");
            backends.add(new HostAndPort("127.0.0.1", port));
        }
        backends.forEach(RealProtocolsTest::awaitListening);
        LoadBalancer lb = closing(Lbs.noChecks(backends).withIoThreads(2).balancer());
        InetSocketAddress at = lb.start();

        // 50 keep-alive clients (redis-benchmark's default), spread round-robin over the three servers;
        // redis-benchmark stops with a non-zero exit on the first error reply or broken connection
        String out = run(Duration.ofSeconds(120), "redis-benchmark", "-h", "127.0.0.1", "-p",
                String.valueOf(at.getPort()), "-n", "50000", "-c", "50", "--csv",
                "-t", "ping,set,get,incr,lpush,lpop,mset");
        log.warn("redis-benchmark through nexo lb:\n{}", out);
        assertThat(out).doesNotContainIgnoringCase("error").doesNotContain("ERR");
        for (String test : List.of("PING_INLINE", "SET", "GET", "INCR", "LPUSH", "LPOP", "MSET")) {
            assertThat(out).as("result line of %s", test).containsPattern("\"" + test + "[^\"]*\",\"[0-9.]+\"");
        }
        for (Backend b : lb.backends().all()) {
            assertThat(b.stats().total()).as("connections served by %s", b).isPositive();
        }
    }

    @Test
    void wrkOverKeepAliveThroughTheBalancerHasNoErrors() throws Exception {
        assumeInstalled("nginx", "nginx");
        assumeInstalled("wrk", "wrk");
        List<HostAndPort> backends = new ArrayList<>();
        StringBuilder servers = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            int port = TestBackend.freePort();
            backends.add(new HostAndPort("127.0.0.1", port));
            servers.append("  server { listen 127.0.0.1:").append(port)
                    .append("; keepalive_requests 1000000; location / { return 200 \"nginx ").append(i)
                    .append("\\n\"; } }\n");
        }
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        String conf = "daemon off;\nmaster_process on;\nworker_processes 1;\npid " + prefix.resolve("nginx.pid")
                + ";\nerror_log " + prefix.resolve("error.log") + " warn;\n"
                + "events { worker_connections 1024; }\n"
                + "http {\n  access_log off;\n"
                + "  client_body_temp_path " + prefix + "/body;\n  proxy_temp_path " + prefix + "/proxy;\n"
                + "  fastcgi_temp_path " + prefix + "/fastcgi;\n  uwsgi_temp_path " + prefix + "/uwsgi;\n"
                + "  scgi_temp_path " + prefix + "/scgi;\n" + servers + "}\n";
        Path confFile = prefix.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        start(prefix.resolve("out.log"), "nginx", "-p", prefix.toString(), "-c", confFile.toString());
        backends.forEach(RealProtocolsTest::awaitListening);
        LoadBalancer lb = closing(Lbs.noChecks(backends).withIoThreads(2).balancer());
        InetSocketAddress at = lb.start();

        String out = run(Duration.ofSeconds(60), "wrk", "-t", "2", "-c", "48", "-d", "5s", "--latency",
                "http://127.0.0.1:" + at.getPort() + "/");
        log.warn("wrk through nexo lb:\n{}", out);
        // wrk prints these lines only when there were errors or non-2xx/3xx answers
        assertThat(out).doesNotContain("Socket errors").doesNotContain("Non-2xx");
        Matcher requests = Pattern.compile("(\\d+) requests in").matcher(out);
        assertThat(requests.find()).as("wrk's summary line").isTrue();
        assertThat(Long.parseLong(requests.group(1))).isPositive();
        // 48 keep-alive connections, round-robin: at least 16 on each server (wrk may reconnect one)
        for (Backend b : lb.backends().all()) {
            assertThat(b.stats().total()).as("connections served by %s", b).isGreaterThanOrEqualTo(16);
        }
    }

    private static void assumeInstalled(String binary, String debianPackage) {
        boolean found = false;
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            found |= Files.isExecutable(Path.of(d, binary));
        }
        for (String d : List.of("/usr/sbin", "/usr/bin")) {
            found |= Files.isExecutable(Path.of(d, binary));
        }
        assumeTrue(found, binary + " is not installed (apt-get install " + debianPackage
                + "; .ci/run installs it): skipping");
    }

    private static void awaitListening(HostAndPort address) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (Socket s = new Socket()) {
                s.connect(address.toSocketAddress(), 1_000);
                return true;
            }
        });
    }

    private void start(Path log, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(resolve(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        processes.add(pb.start());
    }

    /** Runs {@code command} to its end (bounded by {@code timeout}) and returns its output. */
    private String run(Duration timeout, String... command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(resolve(command)).redirectErrorStream(true).redirectOutput(out.toFile())
                .start();
        processes.add(p);
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command[0] + " did not finish within " + timeout + ":\n"
                    + Files.readString(out, StandardCharsets.UTF_8));
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code of %s; output:\n%s", command[0], text).isZero();
        return text;
    }

    /** nginx lives in /usr/sbin, which a non-root PATH may lack. */
    private static List<String> resolve(String... command) {
        List<String> c = new ArrayList<>(List.of(command));
        if (!c.get(0).contains("/")) {
            for (String d : List.of("/usr/sbin", "/usr/bin")) {
                if (Files.isExecutable(Path.of(d, c.get(0)))) {
                    c.set(0, d + "/" + c.get(0));
                    break;
                }
            }
        }
        return c;
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }
}
