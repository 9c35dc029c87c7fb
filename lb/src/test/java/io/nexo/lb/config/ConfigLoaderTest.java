package io.nexo.lb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexo.core.admin.AdminAccessConfig;
import io.nexo.core.net.HostAndPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("nexo.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** Asserts the file is refused with exactly "FILE:LINE: message". */
    private void assertRefused(String yaml, int line, String message) throws IOException {
        Path file = write(yaml);
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":" + line + ": " + message)
                .satisfies(e -> assertThat(((ConfigException) e).line()).isEqualTo(line));
    }

    private static final String MINIMAL = """
            listeners:
              - listen: 127.0.0.1:8000
                pool: web
            pools:
              web:
                policy: least-connections
                backends:
                  - 127.0.0.1:8001
            """;

    @Test
    void minimalFileGetsDefaults() throws IOException {
        BalancerConfig config = ConfigLoader.load(write(MINIMAL));

        assertThat(config.listeners()).containsExactly(
                new ListenerConfig("127.0.0.1:8000", HostAndPort.parse("127.0.0.1:8000"), "web",
                        ListenerConfig.DEFAULT_MAX_CONNECTIONS));
        PoolConfig web = config.pools().get("web");
        assertThat(web.backends()).containsExactly(BackendConfig.of(HostAndPort.parse("127.0.0.1:8001")));
        assertThat(web.healthCheck()).isEqualTo(HealthCheckConfig.DEFAULT);
        assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(web.idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(web.proxyProtocol()).isEqualTo(ProxyProtocol.NONE);
        assertThat(config.admin()).isEmpty();
        assertThat(config.accessLog()).isFalse();
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void everyFieldIsRead() throws IOException {
        BalancerConfig config = ConfigLoader.load(write("""
                admin: 127.0.0.1:9000
                access-log: yes
                drain-timeout: 5s
                listeners:
                  - name: front
                    listen: "[::1]:8443"
                    pool: p
                    max-connections: 7
                pools:
                  p:
                    policy: source-hash
                    connect-timeout: 250ms
                    idle-timeout: 0
                    proxy-protocol: v2
                    health-check: {enabled: false, interval: 1m, timeout: 100ms, rise: 5, fall: 1}
                    backends:
                      - {name: a, address: "10.0.0.1:80", weight: 3, backup: false, max-connections: 9}
                      - {name: b, address: "10.0.0.2:80", backup: true}
                """));

        assertThat(config.admin()).contains(HostAndPort.parse("127.0.0.1:9000"));
        assertThat(config.accessLog()).isTrue();
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.listeners().get(0)).isEqualTo(
                new ListenerConfig("front", HostAndPort.parse("[::1]:8443"), "p", 7));
        PoolConfig p = config.pools().get("p");
        assertThat(p).isEqualTo(new PoolConfig("p", "source-hash", java.util.List.of(
                new BackendConfig("a", HostAndPort.parse("10.0.0.1:80"), 3, false, 9),
                new BackendConfig("b", HostAndPort.parse("10.0.0.2:80"), 1, true, 0)),
                new HealthCheckConfig(false, Duration.ofMinutes(1), Duration.ofMillis(100), 5, 1),
                Duration.ofMillis(250), Duration.ZERO, ProxyProtocol.V2));
    }

    @Test
    void healthCheckSendExpectTakesEscapesInSingleQuotesAndYamlEscapesInDoubleQuotes() throws IOException {
        String file = MINIMAL + """
                    health-check:
                      send: %s
                      expect: '+PONG'
                """;
        HealthCheckConfig single = ConfigLoader.load(write(file.formatted("'PING\\r\\n'"))).pools().get("web")
                .healthCheck();
        HealthCheckConfig dbl = ConfigLoader.load(write(file.formatted("\"PING\\r\\n\""))).pools().get("web")
                .healthCheck();

        assertThat(((CheckProtocol.SendExpect) single.protocol()).sendBytes()).containsExactly('P', 'I', 'N', 'G', '\r', '\n');
        assertThat(((CheckProtocol.SendExpect) dbl.protocol()).sendBytes()).containsExactly('P', 'I', 'N', 'G', '\r', '\n');
        assertThat(single.interval()).isEqualTo(HealthCheckConfig.DEFAULT.interval());
    }

    @Test
    void healthCheckHttpWithStatus() throws IOException {
        BalancerConfig config = ConfigLoader.load(write(MINIMAL + """
                    health-check:
                      http: HEAD /ready
                      http-status: 200-299
                """));

        assertThat(config.pools().get("web").healthCheck().protocol())
                .isEqualTo(new CheckProtocol.Http("HEAD", "/ready", 200, 299));
    }

    @Test
    void healthCheckMistakesNameTheirLine() throws IOException {
        assertRefused(MINIMAL + """
                    health-check:
                      interval: 1s
                      send: PING
                """, 11, "send: 'PING' without expect (expected: also the answer that shows the backend is healthy)");
        assertRefused(MINIMAL + """
                    health-check:
                      expect: '+PONG'
                      http: GET /
                """, 11, "http: cannot be combined with expect (expected: either an HTTP check or a send/expect check)");
        assertRefused(MINIMAL + """
                    health-check:
                      http: GET /
                      http-status: 2xx
                """, 11, "http-status: '2xx' (expected: a code or a range, e.g. 200 or 200-399)");
    }

    @Test
    void theExampleInDocsLoads() {
        Path example = Path.of("..", "docs", "nexo-lb.example.yaml");
        BalancerConfig config = ConfigLoader.load(example);

        assertThat(config.listeners()).extracting(ListenerConfig::name).containsExactly("web", "cache");
        assertThat(config.pools().get("web").backends()).extracting(BackendConfig::name)
                .containsExactly("s1", "s2", "s3", "spare");
        assertThat(config.pools().get("web").backend("spare").backup()).isTrue();
        assertThat(config.pools().get("web").backend("s1").weight()).isEqualTo(5);
        assertThat(config.pools().get("cache").backends()).extracting(BackendConfig::name)
                .containsExactly("127.0.0.1:8101", "127.0.0.1:8102");
        assertThat(config.admin()).contains(HostAndPort.parse("127.0.0.1:9000"));
        assertThat(config.listeners().get(0).maxConnectionsPerIp()).isEqualTo(200);
        assertThat(config.listeners().get(1).maxConnectionsPerIp()).isZero();
    }

    @Test
    void listenerMaxConnectionsPerIpIsReadAndBoundedByMaxConnections() throws IOException {
        BalancerConfig config = ConfigLoader.load(write(MINIMAL.replace("    pool: web",
                "    pool: web\n    max-connections: 50\n    max-connections-per-ip: 5")));
        assertThat(config.listeners().get(0).maxConnectionsPerIp()).isEqualTo(5);
        assertRefused(MINIMAL.replace("    pool: web", "    pool: web\n    max-connections: 50\n"
                + "    max-connections-per-ip: 51"), 5,
                "max-connections-per-ip: 51 (expected: 0 = no limit, or 1-50, the listener's max-connections)");
        assertRefused(MINIMAL.replace("    pool: web", "    pool: web\n    max-connections-per-ip: -1"), 4,
                "max-connections-per-ip: -1 (expected: 0 = no limit, or 1-10000, the listener's max-connections)");
    }

    @Test
    void adminMapReadsTheAccessKeysWithTheTokenFileRelativeToTheFile() throws IOException {
        BalancerConfig config = ConfigLoader.load(write(MINIMAL + """
                admin:
                  listen: 0.0.0.0:9000
                  token-file: secret/admin.token
                  protect-metrics: true
                  allow-host: [LB.internal, lb]
                """));
        assertThat(config.admin()).contains(HostAndPort.parse("0.0.0.0:9000"));
        assertThat(config.adminAccess()).isEqualTo(new AdminAccessConfig(
                Optional.of(dir.toAbsolutePath().resolve("secret/admin.token")), true, List.of("lb.internal", "lb")));

        BalancerConfig one = ConfigLoader.load(write(MINIMAL + "admin:\n  listen: 127.0.0.1:9000\n  allow-host: lb\n"));
        assertThat(one.adminAccess()).isEqualTo(new AdminAccessConfig(Optional.empty(), false, List.of("lb")));
    }

    @Test
    void aNonLoopbackAdminWithoutATokenIsRefused() throws IOException {
        assertRefused(MINIMAL + "admin: 0.0.0.0:9000\n", 9, "admin: 0.0.0.0:9000 is not a loopback address and "
                + "no token file is set (expected: a loopback address, or --admin-token-file / token-file)");
        assertRefused(MINIMAL + "admin:\n  listen: 127.0.0.1:9000\n  protect-metrics: true\n", 11,
                "protect-metrics: true without a token-file (expected: a token-file, the token /metrics would need)");
        assertRefused(MINIMAL + "admin:\n  listen: 127.0.0.1:9000\n  tokenfile: x\n", 11,
                "unknown key 'tokenfile' (expected one of: listen, token-file, protect-metrics, allow-host)");
    }

    @Test
    void ipv6AddressesNameTheirListenerAndBackendsAsPrinted() throws IOException {
        BalancerConfig config = ConfigLoader.load(write("""
                admin: "[::1]:9000"
                listeners:
                  - {listen: "[::1]:8000", pool: web}
                pools:
                  web:
                    backends:
                      - "[0:0:0:0:0:0:0:1]:8001"
                      - {address: "[::1]:8002", weight: 2}
                """));
        assertThat(config.admin()).contains(new HostAndPort("::1", 9000));
        assertThat(config.listeners().get(0).name()).isEqualTo("[::1]:8000");
        assertThat(config.pools().get("web").backends()).extracting(BackendConfig::name)
                .containsExactly("[::1]:8001", "[::1]:8002");
        assertRefused("""
                listeners:
                  - {listen: "[::1]:8000", pool: web}
                pools:
                  web:
                    backends: ["[::1]:8001", "[0::1]:8001"]
                """, 4, "pool web: backend name '[::1]:8001' appears twice (expected: unique names)");
    }

    @Test
    void aBackendOnPortZeroIsRefused() throws IOException {
        assertRefused(MINIMAL.replace("- 127.0.0.1:8001", "- 127.0.0.1:0"), 8,
                "address: 127.0.0.1:0: port 0 (expected: 1-65535)");
    }

    @Test
    void listenerMaxConnectionsIsBoundedAsTheFlagIs() throws IOException {
        assertRefused(MINIMAL.replace("    pool: web", "    pool: web\n    max-connections: 0"), 4,
                "max-connections: 0 (expected: >= 1)");
    }

    @Test
    void valueOutOfRangeNamesTheLineOfThatValue() throws IOException {
        assertRefused("""
                listeners:
                  - listen: 127.0.0.1:8000
                    pool: web
                pools:
                  web:
                    policy: least-connections
                    backends:
                      - name: a
                        address: 127.0.0.1:8001
                        weight: 0
                """, 10, "weight: 0 (expected: 1-256)");
    }

    @Test
    void unknownKeyIsRefusedWithTheKnownOnes() throws IOException {
        assertRefused(MINIMAL.replace("    pool: web", "    pool: web\n    wieght: 3"), 4,
                "unknown key 'wieght' (expected one of: name, listen, pool, max-connections, max-connections-per-ip, "
                        + "tls-cert, tls-alpn, tls-min-version, tls-client-ca, sni-routes, sni-timeout)");
    }

    @Test
    void badAddressQuotesItAndSaysTheForm() throws IOException {
        assertRefused(MINIMAL.replace("- 127.0.0.1:8001", "- localhost"), 8,
                "backend: invalid address 'localhost' (expected: HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000)");
    }

    @Test
    void unknownPolicyListsTheKnownOnes() throws IOException {
        Path file = write(MINIMAL.replace("least-connections", "fastest"));
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .hasMessageStartingWith(file + ":5: policy: 'fastest' (expected one of: ")
                .hasMessageContaining("source-hash");
    }

    @Test
    void listenerReferringToAMissingPool() throws IOException {
        assertRefused(MINIMAL.replace("    pool: web", "    pool: api"), 1,
                "listener 127.0.0.1:8000: pool 'api' is not defined (expected one of: web)");
    }

    @Test
    void durationWithoutUnit() throws IOException {
        assertRefused(MINIMAL.replace("    backends:", "    connect-timeout: 3\n    backends:"), 7,
                "connect-timeout: '3' (expected: a number with a unit ms, s, m, h or d, e.g. 3s, or 0)");
    }

    @Test
    void wrongShapeSaysWhatWasFound() throws IOException {
        assertRefused("listeners: 3\npools: {}\n", 1, "listeners: found '3' (expected: a list)");
    }

    @Test
    void duplicateKeyAndDuplicateBackendName() throws IOException {
        assertRefused(MINIMAL + "  web:\n    backends: []\n", 9, "key 'web' appears twice (first on line 5)");
        assertRefused(MINIMAL.replace("      - 127.0.0.1:8001", "      - {name: a, address: '127.0.0.1:1'}\n"
                + "      - {name: a, address: '127.0.0.1:2'}"), 5,
                "pool web: backend name 'a' appears twice (expected: unique names)");
    }

    @Test
    void onlyBackupsOrNoBackends() throws IOException {
        assertRefused(MINIMAL.replace("- 127.0.0.1:8001", "- {address: '127.0.0.1:1', backup: true}"), 5,
                "pool web: every backend is a backup (expected: at least one primary)");
        assertRefused(MINIMAL.replace("      - 127.0.0.1:8001", "").replace("backends:", "backends: []"), 5,
                "pool web: no backends (expected: at least one)");
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() throws IOException {
        Path file = write("listeners:\n  - listen: [127.0.0.1:8000\npools: {}\n");
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":")
                .hasMessageContaining("not valid YAML");
        assertThat(catchLine(file)).isBetween(2, 4);
    }

    private static int catchLine(Path file) {
        try {
            ConfigLoader.load(file);
            throw new AssertionError("loaded");
        } catch (ConfigException e) {
            return e.line();
        }
    }

    @Test
    void missingAndEmptyFiles() throws IOException {
        Path missing = dir.resolve("absent.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing)).hasMessage(missing + ": no such file");
        Path empty = write("");
        assertThatThrownBy(() -> ConfigLoader.load(empty))
                .hasMessage(empty + ": empty file (expected: a map with 'listeners' and 'pools')");
    }

    @Test
    void missingKeyNamesTheMapLine() throws IOException {
        assertRefused("pools:\n  web:\n    policy: source-hash\nlisteners: []\n", 2, "missing key 'backends'");
    }
}
