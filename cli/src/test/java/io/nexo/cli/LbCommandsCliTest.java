package io.nexo.cli;

import io.nexo.core.net.HostAndPort;
import io.nexo.tools.demo.DemoBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The commands of the load-balancer half, run in-process: flags, errors, help, README. */
class LbCommandsCliTest {

    private static final List<String> COMMANDS = List.of("lb", "backend", "request", "demo");

    static Stream<String> commands() {
        return COMMANDS.stream();
    }

    @ParameterizedTest
    @MethodSource("commands")
    void helpListsEveryOption(String command) {
        CliRun run = CliRun.of(command, "--help");
        assertThat(run.exit()).isZero();
        CommandLine.Model.CommandSpec spec = Nexo.commandLine().getSubcommands().get(command).getCommandSpec();
        assertThat(spec.options()).isNotEmpty();
        for (OptionSpec option : spec.options()) {
            assertThat(run.out()).as("help of %s", command).contains(option.longestName());
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void readmeDocumentsEveryOption(String command) throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("### `nexo " + command + "`");
        assertThat(start).as("README section '### `nexo %s`'", command).isGreaterThanOrEqualTo(0);
        int end = readme.indexOf("\n#", start + 4);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        CommandLine.Model.CommandSpec spec = Nexo.commandLine().getSubcommands().get(command).getCommandSpec();
        for (OptionSpec option : spec.options()) {
            if (!option.usageHelp() && !option.versionHelp()) {
                assertThat(section).as("README section of nexo %s", command).contains(option.longestName());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "lb --bogus",
            "lb --listen nowhere",
            "lb --listen 127.0.0.1:70000",
            "lb --backend ",
            "lb --backend 127.0.0.1:8001,127.0.0.1:8001",
            "lb --backend 127.0.0.1:0",
            "lb --rise 0",
            "lb --fall -1",
            "lb --connect-timeout soon",
            "lb --connect-timeout 0",
            "lb --drain-timeout -5s",
            "lb --max-connections 0",
            "lb --io-threads -1",
            "lb --transport kqueue",
            "lb --policy fastest",
            "lb --listen [::1]8000",
            "lb --listen ::1:8000",
            "lb --backend [localhost]:8001",
            "lb --admin [::1]",
            "lb --sni-route a.example.com",
            "lb --sni-route a.example.com=nowhere",
            "lb --sni-route *.com=127.0.0.1:9001",
            "lb --sni-route a.example.com=127.0.0.1:9001 --sni-route A.example.com=127.0.0.1:9002",
            "lb --sni-timeout 0 --sni-route a.example.com=127.0.0.1:9001",
            "lb --tls-alpn h2",
            "lb --tls-cert /nonexistent/cert.pem --listen 127.0.0.1:0",
            "lb --tls-cert a.pem --tls-min-version TLSv1.1",
            "lb --tls-cert a.pem --sni-route a.example.com=127.0.0.1:9001",
            "lb --backend-ca ca.pem",
            "lb --backend-tls --backend-ca ca.pem --backend-insecure",
            "lb --admin 0.0.0.0:9000",
            "lb --admin [::]:9000",
            "lb --admin 127.0.0.1:0 --admin-token-file /nonexistent/admin.token",
            "lb --admin-protect-metrics",
            "lb --max-connections-per-ip -1",
            "backend --host ::1::2",
            "backend --host [127.0.0.1]",
            "lb --check-send PING",
            "lb --check-send PING\\q --check-expect +PONG",
            "lb --check-http-status 200",
            "lb --check-http health",
            "lb --check-http /health --check-http-status 2xx",
            "lb --check-http /health --check-expect OK",
            "lb --check-expect +PONG --check-interval 0",
            "backend --port 70000",
            "backend --port x",
            "backend --name ",
            "request --count 0",
            "request --to 127.0.0.1",
            "request --to [::1]",
            "request --timeout 0",
            "request one two",
            "demo --bogus",
    })
    void badInputExitsTwoWithOneLine(String line) {
        String[] args = line.endsWith(" ") ? (line.trim() + " ").split(" ", -1) : line.split(" ");
        if (line.endsWith(" ")) {
            args[args.length - 1] = "";
        }
        String[] finalArgs = args;
        CliRun run = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> CliRun.of(finalArgs));
        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines().get(0)).startsWith("nexo " + args[0] + ": ");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void checkFlagMistakesNameTheFlags() {
        assertThat(CliRun.of("lb", "--check-send", "PING").errLines()).containsExactly("nexo lb: --check-send: 'PING' "
                + "without --check-expect (expected: also the answer that shows the backend is healthy)");
        assertThat(CliRun.of("lb", "--check-http", "GET /", "--check-send", "x").errLines()).containsExactly(
                "nexo lb: --check-http: cannot be combined with --check-send (expected: either an HTTP check or a "
                        + "send/expect check)");
        assertThat(CliRun.of("lb", "--check-expect", "+PONG", "--check-interval", "0").errLines()).containsExactly(
                "nexo lb: --check-interval 0 turns health checks off, so expect '+PONG' would never run (expected: "
                        + "an interval, or no --check-* flag)");
    }

    @Test
    void aListenPortInUseExitsTwoAndSaysSo() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String at = "127.0.0.1:" + taken.getLocalPort();
            CliRun lb = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                    () -> CliRun.of("lb", "--listen", at, "--backend", "127.0.0.1:1"));
            assertThat(lb.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(lb.errLines()).singleElement().asString()
                    .startsWith("nexo lb: cannot listen on " + at + ": ").containsIgnoringCase("in use");
            CliRun backend = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                    () -> CliRun.of("backend", "--port", String.valueOf(taken.getLocalPort())));
            assertThat(backend.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(backend.errLines()).singleElement().asString()
                    .startsWith("nexo backend: cannot listen on " + at + ": ");
        }
    }

    @Test
    void aNonLoopbackAdminWithoutATokenRefusesToStartBeforeBindingAnything() throws IOException {
        // --listen names a port that is taken: had the balancer tried to bind, it would say "in use"
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + taken.getLocalPort();
            CliRun run = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                    () -> CliRun.of("lb", "--listen", listen, "--backend", "127.0.0.1:1", "--admin", "0.0.0.0:0"));
            assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.errLines()).containsExactly("nexo lb: --admin: 0.0.0.0:0 is not a loopback address and "
                    + "no token file is set (expected: a loopback address, or --admin-token-file / token-file)");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void aWorldReadableTokenFileRefusesToStart(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path token = dir.resolve("admin.token");
        Files.writeString(token, "0123456789abcdef0123");
        Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        CliRun run = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> CliRun.of("lb",
                "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1", "--admin", "127.0.0.1:0",
                "--admin-token-file", token.toString()));
        assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("nexo lb: token-file: " + token
                + ": readable or writable by every user (expected: chmod 600 (or 640))");
    }

    @Test
    void requestPrintsEachAnswer() throws Exception {
        try (DemoBackend backend = new DemoBackend("Server 7", new HostAndPort("127.0.0.1", 0))) {
            HostAndPort at = HostAndPort.of(backend.start());
            CliRun run = CliRun.of("request", "--to", at.toString(), "--count", "2", "hi there");
            assertThat(run.exit()).isZero();
            assertThat(run.out()).isEqualTo("Received: Response from Server 7\nReceived: Response from Server 7\n"
                    .replace("\n", System.lineSeparator()));
        }
    }

    @Test
    void requestToNothingExitsOneWithAClearMessage() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CliRun run = CliRun.of("request", "--to", "127.0.0.1:" + port);
        assertThat(run.exit()).isEqualTo(ExitCodes.FAILURE);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly("nexo request: cannot connect to 127.0.0.1:" + port
                + ": connection refused (is anything listening there?)");
    }

    @Test
    void demoShowsRoundRobinAndExitsZero() {
        CliRun run = CliRun.of("demo");
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> requests = run.out().lines().filter(l -> l.trim().startsWith("request ")).toList();
        assertThat(requests).containsExactly(
                "  request 1 -> Received: Response from Server 1",
                "  request 2 -> Received: Response from Server 2",
                "  request 3 -> Received: Response from Server 3",
                "  request 4 -> Received: Response from Server 1",
                "  request 5 -> Received: Response from Server 2",
                "  request 6 -> Received: Response from Server 3");
        assertThat(run.out()).contains("  Server 1  2", "  Server 2  2", "  Server 3  2",
                "that is round-robin");
        assertThat(run.out()).containsAnyOf("Started on the usual ports:", "so the demo uses free ports instead:");
    }
}
