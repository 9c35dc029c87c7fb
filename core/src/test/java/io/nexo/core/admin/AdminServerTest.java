package io.nexo.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexo.core.net.HostAndPort;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {

    private AdminServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        AdminRouter router = new AdminRouter()
                .get("/api/status", req -> AdminResponse.ok(Map.of("state", "up")))
                .post("/api/backends/{pool}/{name}/{action}", req -> AdminResponse.ok(Map.of(
                        "pool", req.param("pool"), "name", req.param("name"), "action", req.param("action"),
                        "body", req.bodyText())))
                .get("/echo", req -> AdminResponse.text(200, AdminResponse.TEXT, "q=" + req.queryParam("q")))
                .get("/bad", req -> {
                    throw new IllegalArgumentException("weight: -1 (expected: 1-256)");
                })
                .get("/boom", req -> {
                    throw new IllegalStateException("kaput");
                });
        server = AdminServer.start(new HostAndPort("127.0.0.1", 0), router);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) throws Exception {
        return http.send(builder.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://" + server.address() + path);
    }

    @Test
    void bindsOnlyTheAddressAsked() throws Exception {
        assertThat(server.address().host()).isEqualTo("127.0.0.1");
        assertThat(server.address().port()).isPositive();
        // another loopback address on the same port is not served (a wildcard bind would answer)
        try (Socket other = new Socket()) {
            assertThatThrownBy(() -> other.connect(new java.net.InetSocketAddress("127.0.0.2", server.address().port()), 2_000))
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    @Test
    void getReturnsJson() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/status")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        assertThat(r.body().replaceAll("\\s", "")).isEqualTo("{\"state\":\"up\"}");
    }

    @Test
    void pathParametersAreDecodedPerSegment() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/backends/web/s%2F1/drain"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().replaceAll("\\s", ""))
                .contains("\"pool\":\"web\"", "\"name\":\"s/1\"", "\"action\":\"drain\"", "\"body\":\"{}\"");
    }

    @Test
    void queryParameters() throws Exception {
        assertThat(send(HttpRequest.newBuilder(uri("/echo?q=a%20b"))).body()).isEqualTo("q=a b");
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> missing = send(HttpRequest.newBuilder(uri("/nope")));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("no such resource: /nope");

        HttpResponse<String> wrong = send(HttpRequest.newBuilder(uri("/api/status"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(wrong.headers().firstValue("allow")).hasValue("GET");
    }

    @Test
    void handlerErrorsBecome400Or500AndTheServerKeepsServing() throws Exception {
        HttpResponse<String> bad = send(HttpRequest.newBuilder(uri("/bad")));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("weight: -1 (expected: 1-256)");

        assertThat(send(HttpRequest.newBuilder(uri("/boom"))).statusCode()).isEqualTo(500);
        assertThat(send(HttpRequest.newBuilder(uri("/api/status"))).statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedBodyIsRefusedWith413() throws Exception {
        byte[] big = new byte[AdminServer.MAX_BODY + 1];
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/backends/p/n/enable"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void oversizedHeadersAndGarbageGetAnErrorAndTheConnectionCloses() throws Exception {
        String hugeHeader = "GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(AdminServer.MAX_HEADERS + 10)
                + "\r\n\r\n";
        assertThat(rawExchange(hugeHeader)).startsWith("HTTP/1.1 431 ").contains("malformed request");
        // not a route that happens to answer 200: the request line itself is refused
        String garbage = rawExchange("\u0001\u0002 nonsense\r\n\r\n");
        assertThat(garbage).matches("(?s)HTTP/1\\.[01] 400 Bad Request\r\n.*malformed request.*");
        assertThat(send(HttpRequest.newBuilder(uri("/api/status"))).statusCode()).isEqualTo(200);
    }

    /** Sends raw bytes, reads until the server closes, returns what came back. */
    private String rawExchange(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.address().port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void portInUseIsAClearErrorAndLeavesNothingRunning() {
        assertThatThrownBy(() -> AdminServer.start(server.address(), new AdminRouter()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("admin: cannot listen on " + server.address());
    }
}
