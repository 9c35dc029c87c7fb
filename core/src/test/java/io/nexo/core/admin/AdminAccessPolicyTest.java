package io.nexo.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexo.core.net.HostAndPort;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal of {@link AdminAccessPolicy}, as raw HTTP over a real socket, and what gets through. */
class AdminAccessPolicyTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    private AdminServer server;
    private AdminAccessPolicy policy;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(boolean protectMetrics, List<String> allowHosts) throws Exception {
        Path tokenFile = tokenFile("token", TOKEN + "\n");
        startWith(new AdminAccessConfig(Optional.of(tokenFile), protectMetrics, allowHosts));
    }

    private void startWith(AdminAccessConfig config) {
        startWith(config, new HostAndPort("127.0.0.1", 0));
    }

    private void startWith(AdminAccessConfig config, HostAndPort listen) {
        policy = AdminAccessPolicy.of(config, listen);
        AdminRouter router = new AdminRouter()
                .get("/", req -> AdminResponse.text(200, AdminResponse.TEXT, "page"))
                .get("/metrics", req -> AdminResponse.text(200, AdminResponse.TEXT, "metrics"))
                .get("/api/status", req -> AdminResponse.ok(Map.of("state", "up")))
                .post("/api/reload", req -> AdminResponse.ok(Map.of("reloaded", true)));
        server = AdminServer.start(listen, router, policy);
    }

    private Path tokenFile(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private String own() {
        return "127.0.0.1:" + server.address().port();
    }

    /** Sends one request with Connection: close and returns the whole response. */
    private String raw(String method, String path, String host, String... headers) throws Exception {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
        if (host != null) {
            request.append("Host: ").append(host).append("\r\n");
        }
        for (String h : headers) {
            request.append(h).append("\r\n");
        }
        request.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
        try (Socket socket = new Socket(server.address().host(), server.address().port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    @Test
    void apiNeedsTheBearerTokenAndNothingElseDoes() throws Exception {
        start(false, List.of());
        String none = raw("GET", "/api/status", own());
        assertThat(status(none)).isEqualTo(401);
        assertThat(none).containsIgnoringCase("www-authenticate: Bearer realm=\"nexo admin\"");
        assertThat(status(raw("GET", "/api/status", own(), "Authorization: Bearer " + TOKEN + "x"))).isEqualTo(401);
        assertThat(status(raw("GET", "/api/status", own(), "Authorization: Basic " + TOKEN))).isEqualTo(401);
        assertThat(status(raw("POST", "/api/reload", own()))).isEqualTo(401);
        // an unknown /api/ path says nothing about what exists before the token is shown
        assertThat(status(raw("GET", "/api/nothing", own()))).isEqualTo(401);

        assertThat(raw("GET", "/api/status", own(), "Authorization: Bearer " + TOKEN))
                .startsWith("HTTP/1.1 200 ").contains("\"up\"");
        assertThat(status(raw("GET", "/api/status", own(), "authorization: bearer " + TOKEN))).isEqualTo(200);
        assertThat(status(raw("POST", "/api/reload", own(), "Authorization: Bearer " + TOKEN))).isEqualTo(200);
        assertThat(status(raw("GET", "/metrics", own()))).isEqualTo(200);
        assertThat(status(raw("GET", "/", own()))).isEqualTo(200);
        assertThat(policy.refusals()).isEqualTo(Map.of(401, 5L));
    }

    @Test
    void protectedMetricsNeedTheTokenToo() throws Exception {
        start(true, List.of());
        assertThat(status(raw("GET", "/metrics", own()))).isEqualTo(401);
        assertThat(raw("GET", "/metrics", own(), "Authorization: Bearer " + TOKEN)).endsWith("metrics");
        assertThat(status(raw("GET", "/", own()))).isEqualTo(200);
    }

    @Test
    void aForeignOriginOrCrossSiteFetchIsRefusedTokenOrNot() throws Exception {
        start(false, List.of());
        String auth = "Authorization: Bearer " + TOKEN;
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Origin: http://evil.example"))).isEqualTo(403);
        assertThat(status(raw("POST", "/api/reload", own(), "Origin: http://evil.example"))).isEqualTo(403);
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Origin: null"))).isEqualTo(403);
        // same host, another port is another origin
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Origin: http://127.0.0.1:1"))).isEqualTo(403);
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Sec-Fetch-Site: cross-site"))).isEqualTo(403);
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Sec-Fetch-Site: same-site"))).isEqualTo(403);
        assertThat(policy.refusals()).isEqualTo(Map.of(403, 6L));

        assertThat(status(raw("POST", "/api/reload", own(), auth, "Origin: http://" + own(),
                "Sec-Fetch-Site: same-origin"))).isEqualTo(200);
        // GETs cannot be read cross-origin without CORS headers, which are never sent: Origin is not checked
        assertThat(status(raw("GET", "/api/status", own(), auth, "Origin: http://evil.example"))).isEqualTo(200);
    }

    @Test
    void formAndTextContentTypesAreRefusedOnPost() throws Exception {
        start(false, List.of());
        String auth = "Authorization: Bearer " + TOKEN;
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Content-Type: text/plain"))).isEqualTo(415);
        assertThat(status(raw("POST", "/api/reload", own(), auth,
                "Content-Type: application/x-www-form-urlencoded"))).isEqualTo(415);
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Content-Type: multipart/form-data; boundary=x")))
                .isEqualTo(415);
        assertThat(status(raw("POST", "/api/reload", own(), auth, "Content-Type: Application/JSON; charset=utf-8")))
                .isEqualTo(200);
        assertThat(policy.refusals()).isEqualTo(Map.of(415, 3L));
    }

    @Test
    void aHostThatIsNotTheAdminsIsMisdirectedEvenWithTheToken() throws Exception {
        start(false, List.of("Nexo-Admin.internal"));
        String auth = "Authorization: Bearer " + TOKEN;
        int port = server.address().port();
        // DNS rebinding: evil.example now resolves to 127.0.0.1, the browser sends its own name
        assertThat(status(raw("GET", "/api/status", "evil.example:" + port, auth))).isEqualTo(421);
        assertThat(status(raw("GET", "/", "evil.example:" + port))).isEqualTo(421);
        assertThat(status(raw("GET", "/metrics", "127.0.0.2:" + port))).isEqualTo(421);
        assertThat(status(raw("GET", "/api/status", "[::1:" + port, auth))).isEqualTo(421);
        assertThat(status(raw("GET", "/api/status", null, auth))).isEqualTo(421);
        assertThat(policy.refusals()).isEqualTo(Map.of(421, 5L));

        assertThat(status(raw("GET", "/api/status", "localhost:" + port, auth))).isEqualTo(200);
        assertThat(status(raw("GET", "/api/status", "nexo-admin.internal:" + port, auth))).isEqualTo(200);
        assertThat(status(raw("GET", "/api/status", "127.0.0.1", auth))).isEqualTo(200);
    }

    @Test
    void aBindToLocalhostAnswersTheIpLiteralTheClientConnectedTo() throws Exception {
        startWith(AdminAccessConfig.DEFAULT, new HostAndPort("localhost", 0));
        String bound = server.address().host(); // 127.0.0.1 or ::1, whichever localhost resolved to
        String literal = bound.contains(":") ? "[" + bound + "]" : bound;
        int port = server.address().port();
        assertThat(status(raw("GET", "/api/status", literal + ":" + port))).isEqualTo(200);
        assertThat(status(raw("GET", "/api/status", "localhost:" + port))).isEqualTo(200);
        // another loopback literal is not the address this connection came in on
        String other = bound.contains(":") ? "127.0.0.1" : "127.0.0.9";
        assertThat(status(raw("GET", "/api/status", other + ":" + port))).isEqualTo(421);
    }

    @Test
    void withoutATokenHostAndOriginAreStillChecked() throws Exception {
        startWith(AdminAccessConfig.DEFAULT);
        assertThat(status(raw("GET", "/api/status", own()))).isEqualTo(200);
        assertThat(status(raw("POST", "/api/reload", own(), "Origin: http://evil.example"))).isEqualTo(403);
        assertThat(status(raw("GET", "/api/status", "evil.example"))).isEqualTo(421);
    }

    @Test
    void reloadReadsTheNewTokenAndABadFileKeepsTheOld() throws Exception {
        start(false, List.of());
        Path file = dir.resolve("token");
        String next = "fedcba9876543210fedcba9876543210";
        Files.writeString(file, next);
        policy.reloadToken();
        assertThat(status(raw("GET", "/api/status", own(), "Authorization: Bearer " + TOKEN))).isEqualTo(401);
        assertThat(status(raw("GET", "/api/status", own(), "Authorization: Bearer " + next))).isEqualTo(200);

        Files.writeString(file, "");
        assertThatThrownBy(policy::reloadToken).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token-file: " + file + ": empty (expected: one line with the token, e.g. from "
                        + "openssl rand -hex 32)");
        assertThat(status(raw("GET", "/api/status", own(), "Authorization: Bearer " + next))).isEqualTo(200);
    }

    @Test
    void badTokenFilesAreRefusedAtStart() throws Exception {
        Path empty = tokenFile("empty", "\n");
        Path shortToken = tokenFile("short", "abc\n");
        Path spaced = tokenFile("spaced", "0123456789 abcdef0123\n");
        Path open = tokenFile("open", TOKEN);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        HostAndPort listen = new HostAndPort("127.0.0.1", 0);
        assertThatThrownBy(() -> AdminAccessPolicy.of(config(empty), listen)).hasMessageContaining(": empty (");
        assertThatThrownBy(() -> AdminAccessPolicy.of(config(shortToken), listen))
                .hasMessage("token-file: " + shortToken + ": 3 characters (expected: at least 16, e.g. from "
                        + "openssl rand -hex 32)");
        assertThatThrownBy(() -> AdminAccessPolicy.of(config(spaced), listen)).hasMessageContaining("spaces");
        assertThatThrownBy(() -> AdminAccessPolicy.of(config(open), listen))
                .hasMessage("token-file: " + open + ": readable or writable by every user (expected: chmod 600 "
                        + "(or 640))");
        assertThatThrownBy(() -> AdminAccessPolicy.of(config(dir.resolve("missing")), listen))
                .hasMessageContaining(": no such file (");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(AdminAccessPolicy.of(config(open), listen).refusals()).isEmpty();
    }

    private static AdminAccessConfig config(Path tokenFile) {
        return new AdminAccessConfig(Optional.of(tokenFile), false, List.of());
    }

    @Test
    void configIsValidated() {
        assertThatThrownBy(() -> new AdminAccessConfig(Optional.empty(), true, List.of()))
                .hasMessageStartingWith("protect-metrics: true without a token-file");
        assertThatThrownBy(() -> new AdminAccessConfig(Optional.empty(), false, List.of("evil.example:80")))
                .hasMessageStartingWith("allow-host: 'evil.example:80' (expected:");
    }

    @Test
    void loopbackMeansLocalhost127Slash8AndColonColonOne() {
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("127.0.0.1:9000"))).isTrue();
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("127.3.4.5:9000"))).isTrue();
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("[::1]:9000"))).isTrue();
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("localhost:9000"))).isTrue();
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("0.0.0.0:9000"))).isFalse();
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("[::]:9000"))).isFalse();
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("10.1.2.3:9000"))).isFalse();
        assertThat(AdminAccessPolicy.isLoopback(HostAndPort.parse("admin.internal:9000"))).isFalse();
    }
}
