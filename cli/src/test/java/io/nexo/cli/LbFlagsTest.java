package io.nexo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.CheckProtocol;
import io.nexo.lb.config.ConfigLoader;
import io.nexo.lb.config.HealthCheckConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Flags are the quick form of a one-listener, one-pool file: the same settings written either way
 * must give equal records, defaults included.
 */
class LbFlagsTest {

    @TempDir
    Path dir;

    private static BalancerConfig flags(String... args) {
        CommandLine cl = Nexo.commandLine();
        String[] all = new String[args.length + 1];
        all[0] = "lb";
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLine.ParseResult parsed = cl.parseArgs(all);
        LbCommand lb = (LbCommand) parsed.subcommand().commandSpec().userObject();
        return lb.fromFlags();
    }

    private BalancerConfig file(String yaml) throws IOException {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }

    @Test
    void noFlagsIsTheSeedsFileWithEveryDefault() throws IOException {
        BalancerConfig fromFile = file("""
                listeners:
                  - {listen: "127.0.0.1:8000", pool: default}
                pools:
                  default:
                    backends: ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"]
                """);
        assertThat(flags()).isEqualTo(fromFile);
        assertThat(fromFile.listeners().get(0).maxConnections()).isEqualTo(10_000);
        assertThat(fromFile.pools().get("default").healthCheck()).isEqualTo(HealthCheckConfig.DEFAULT);
    }

    @Test
    void everyFlagIsTheFileKeyOfTheSameName() throws IOException {
        BalancerConfig fromFlags = flags("--listen", "[::1]:0", "--backend", "[::1]:8001,10.0.0.2:80",
                "--backend", "localhost:8003", "--policy", "least-connections", "--connect-timeout", "700ms",
                "--check-interval", "5s", "--rise", "4", "--fall", "6", "--idle-timeout", "2m",
                "--max-connections", "12", "--drain-timeout", "9s", "--access-log", "--proxy-protocol", "v2",
                "--admin", "[::1]:9000");
        BalancerConfig fromFile = file("""
                admin: "[::1]:9000"
                access-log: true
                drain-timeout: 9s
                listeners:
                  - {listen: "[::1]:0", pool: default, max-connections: 12}
                pools:
                  default:
                    policy: least-connections
                    connect-timeout: 700ms
                    idle-timeout: 2m
                    proxy-protocol: v2
                    health-check: {interval: 5s, rise: 4, fall: 6}
                    backends: ["[::1]:8001", "10.0.0.2:80", "localhost:8003"]
                """);
        assertThat(fromFlags).isEqualTo(fromFile);
        // the check may take as long as a connect, and no longer than the interval, either way
        assertThat(fromFlags.pools().get("default").healthCheck().timeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(fromFlags.listeners().get(0).name()).isEqualTo("[::1]:0");
        assertThat(fromFlags.pools().get("default").backends().get(0).name()).isEqualTo("[::1]:8001");
    }

    @Test
    void checkFlagsAreTheHealthCheckKeysOfTheSameName() throws IOException {
        String pool = """
                listeners:
                  - {listen: "127.0.0.1:8000", pool: default}
                pools:
                  default:
                    backends: ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"]
                    health-check: %s
                """;
        assertThat(flags("--check-send", "PING\\r\\n", "--check-expect", "+PONG"))
                .isEqualTo(file(pool.formatted("{send: 'PING\\r\\n', expect: '+PONG'}")));
        assertThat(flags("--check-expect", "SSH-")).isEqualTo(file(pool.formatted("{expect: SSH-}")));
        assertThat(flags("--check-http", "HEAD /ready", "--check-http-status", "204", "--check-interval", "100ms"))
                .isEqualTo(file(pool.formatted("{http: HEAD /ready, http-status: 204, interval: 100ms}")));
        assertThat(flags("--check-http", "/health").pools().get("default").healthCheck().protocol())
                .isEqualTo(new CheckProtocol.Http("GET", "/health", 200, 399));
    }

    @Test
    void perIpAndAdminAccessFlagsAreTheFileKeysOfTheSameName() throws IOException {
        Path token = dir.resolve("admin.token");
        BalancerConfig fromFlags = flags("--listen", "127.0.0.1:0", "--backend", "127.0.0.1:8001",
                "--max-connections", "40", "--max-connections-per-ip", "4", "--admin", "10.0.0.5:9000",
                "--admin-token-file", token.toString(), "--admin-protect-metrics",
                "--admin-allow-host", "lb.internal", "--admin-allow-host", "lb");
        BalancerConfig fromFile = file("""
                admin:
                  listen: 10.0.0.5:9000
                  token-file: admin.token
                  protect-metrics: true
                  allow-host: [lb.internal, lb]
                listeners:
                  - {listen: 127.0.0.1:0, pool: default, max-connections: 40, max-connections-per-ip: 4}
                pools:
                  default:
                    backends: [127.0.0.1:8001]
                """);
        assertThat(fromFlags).isEqualTo(fromFile);
        assertThat(fromFlags.adminAccess().tokenFile()).contains(token);
    }

    @Test
    void ipv6AddressesWithAZoneNameTheirListenerAndBackends() {
        BalancerConfig config = flags("--listen", "[fe80::1%lo]:0", "--backend", "[::1]:8001");
        assertThat(config.listeners().get(0).name()).isEqualTo("[fe80::1%lo]:0");
        assertThat(config.pools().get("default").backends().get(0).name()).isEqualTo("[::1]:8001");
    }

    @Test
    void checkIntervalZeroIsAFileWithoutActiveChecks() throws IOException {
        String head = """
                listeners:
                  - {listen: "127.0.0.1:0", pool: default}
                pools:
                  default:
                    backends: ["127.0.0.1:8001"]
                """;
        BalancerConfig fromFlags = flags("--listen", "127.0.0.1:0", "--backend", "127.0.0.1:8001",
                "--check-interval", "0");
        assertThat(fromFlags.pools().get("default").healthCheck().enabled()).isFalse();
        assertThat(file(head + "    health-check: {interval: 0}\n")).isEqualTo(fromFlags);
        assertThat(file(head + "    health-check: {enabled: false}\n")).isEqualTo(fromFlags);
    }

    @Test
    void aShortIntervalShortensTheCheckTimeoutInBothForms() throws IOException {
        BalancerConfig fromFlags = flags("--backend", "127.0.0.1:8001", "--check-interval", "100ms");
        assertThat(fromFlags.pools().get("default").healthCheck().timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(file("""
                listeners:
                  - {listen: "127.0.0.1:8000", pool: default}
                pools:
                  default:
                    health-check: {interval: 100ms}
                    backends: ["127.0.0.1:8001"]
                """)).isEqualTo(fromFlags);
    }

    @Test
    void aRecordsValidationMessageNamesTheFlag() {
        assertThatThrownBy(() -> flags("--check-interval", "5ms"))
                .hasMessage("--check-interval: 5ms (expected: >= 10ms)");
        assertThatThrownBy(() -> flags("--rise", "0")).hasMessage("--rise: 0 (expected: 1-100)");
        assertThatThrownBy(() -> flags("--max-connections", "0")).hasMessage("--max-connections: 0 (expected: >= 1)");
        assertThatThrownBy(() -> flags("--max-connections", "5", "--max-connections-per-ip", "6")).hasMessage(
                "--max-connections-per-ip: 6 (expected: 0 = no limit, or 1-5, the listener's max-connections)");
        assertThatThrownBy(() -> flags("--admin-protect-metrics")).hasMessage("--admin-protect-metrics: true "
                + "without a token-file (expected: a token-file, the token /metrics would need)");
        assertThatThrownBy(() -> flags("--admin-allow-host", "lb:80")).hasMessageStartingWith(
                "--admin-allow-host: 'lb:80' (expected:");
        assertThatThrownBy(() -> flags("--admin", "0.0.0.0:9000")).hasMessage("--admin: 0.0.0.0:9000 is not a "
                + "loopback address and no token file is set (expected: a loopback address, or --admin-token-file "
                + "/ token-file)");
        assertThatThrownBy(() -> flags("--backend", "127.0.0.1:0"))
                .hasMessage("--backend: 127.0.0.1:0: port 0 (expected: 1-65535)");
        assertThatThrownBy(() -> flags("--backend", "127.0.0.1:1,127.0.0.1:1"))
                .hasMessage("--backend: backend name '127.0.0.1:1' appears twice (expected: unique names)");
        assertThatThrownBy(() -> flags("--backend", "[::1]:1,[0:0:0:0:0:0:0:1]:1"))
                .hasMessage("--backend: backend name '[::1]:1' appears twice (expected: unique names)");
        String longName = "a".repeat(63) + ".b".repeat(100); // a DNS name may be 253 characters
        assertThatThrownBy(() -> flags("--backend", longName + ":80"))
                .hasMessageStartingWith("--backend: backend name: '" + longName + ":80' (expected: 1-260 letters");
        BalancerConfig longest = flags("--backend", "a".repeat(63) + ".b".repeat(95) + ":65535");
        assertThat(longest.pools().get("default").backends().get(0).name()).hasSize(253 + 6);
    }

    @Test
    void tlsFlagsAreTheListenerAndPoolKeysOfTheSameName() throws IOException {
        BalancerConfig fromFlags = flags("--listen", "127.0.0.1:0", "--backend", "127.0.0.1:8001",
                "--tls-cert", dir.resolve("a.pem").toString(), "--tls-cert", dir.resolve("b.pem").toString(),
                "--tls-alpn", "h2,http/1.1", "--tls-min-version", "TLSv1.3", "--tls-client-ca",
                dir.resolve("ca.pem").toString(), "--sni-timeout", "2s", "--backend-tls", "--backend-ca",
                dir.resolve("backend-ca.pem").toString());
        assertThat(fromFlags).isEqualTo(file("""
                listeners:
                  - listen: "127.0.0.1:0"
                    pool: default
                    tls-cert: [a.pem, b.pem]
                    tls-alpn: h2, http/1.1
                    tls-min-version: TLSv1.3
                    tls-client-ca: ca.pem
                    sni-timeout: 2s
                pools:
                  default:
                    backend-tls: true
                    backend-ca: backend-ca.pem
                    backends: ["127.0.0.1:8001"]
                """));
    }

    @Test
    void sniRoutesArePoolsOfTheirOwnAndTheSeedsBackendsAreNoFallback() throws IOException {
        String routes = """
                listeners:
                  - listen: "127.0.0.1:0"
                %s    sni-routes: {a.example.com: sni-a.example.com, "*.b.example.com": sni-wildcard.b.example.com}
                pools:
                  sni-a.example.com:
                    backends: ["127.0.0.1:9001", "127.0.0.1:9002"]
                  sni-wildcard.b.example.com:
                    backends: ["127.0.0.1:9003"]
                %s""";
        BalancerConfig noFallback = flags("--listen", "127.0.0.1:0", "--sni-route",
                "a.example.com=127.0.0.1:9001,127.0.0.1:9002", "--sni-route", "*.b.example.com=127.0.0.1:9003");
        assertThat(noFallback.listeners().get(0).pool()).isNull();
        assertThat(noFallback).isEqualTo(file(routes.formatted("", "")));

        BalancerConfig fallback = flags("--listen", "127.0.0.1:0", "--backend", "127.0.0.1:8001", "--sni-route",
                "a.example.com=127.0.0.1:9001,127.0.0.1:9002", "--sni-route", "*.b.example.com=127.0.0.1:9003");
        assertThat(fallback).isEqualTo(file(routes.formatted("    pool: default\n",
                "  default:\n    backends: [\"127.0.0.1:8001\"]\n")));
    }

    @Test
    void helpShowsTheRecordsDefaults() {
        CliRun run = CliRun.of("lb", "--help");
        // help wraps lines: compare with every run of blanks as one space
        assertThat(run.out().replaceAll("\\s+", " ")).contains("(default: 3s)", "(default: 2s)", "(default: 10000)",
                "(default: 30s)", "(default: 1h)", "(default: round-robin)", "(default: 127.0.0.1:8000;",
                "(default: 127.0.0.1:8001,127.0.0.1:8002,127.0.0.1:8003)", "(default: none)");
        assertThat(LbFlags.names()).contains("--listen", "--backend", "--proxy-protocol", "--access-log")
                .doesNotContain("--admin", "--io-threads", "--transport", "--config", "--admin-token-file");
        assertThat(LbFlags.names()).contains("--max-connections-per-ip");
    }
}
