package io.nexo.lb.admin;

import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexo.core.admin.AdminServer;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.testing.Configs;
import io.nexo.lb.testing.TestBackend;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.NamedBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin API over real HTTP: exact metrics for a known traffic pattern, status, actions. */
class AdminApiTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private AdminServer admin;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + admin.address() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + admin.address() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code n} bytes, half-closes, reads the echo to the end; returns how many came back. */
    private static int exchange(InetSocketAddress lb, int n) throws Exception {
        try (Socket s = new Socket(lb.getAddress(), lb.getPort())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[n]);
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            return in.readAllBytes().length;
        }
    }

    @Test
    void metricsEqualExactlyWhatAKnownTrafficPatternProduced() throws Exception {
        TestBackend a = closing(TestBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream())));
        TestBackend b = closing(TestBackend.start(s -> s.getInputStream().transferTo(s.getOutputStream())));
        int deadPort = TestBackend.closedPort();
        var web = new io.nexo.lb.config.ListenerConfig("web", new HostAndPort("127.0.0.1", 0), "p", 2);
        LoadBalancer lb = closing(new LoadBalancer(config(List.of(web, listener("dead", "q")),
                pool("p", "round-robin", List.of(new BackendConfig("a", a.address(), 1, false, 0),
                        new BackendConfig("b", b.address(), 1, false, 0))),
                pool("q", "round-robin", List.of(new BackendConfig("d", new HostAndPort("127.0.0.1", deadPort),
                        1, false, 0)), Configs.NO_CHECKS, ProxyProtocol.NONE)), 1));
        lb.start();
        admin = closing(LbAdmin.start(new HostAndPort("127.0.0.1", 0), new LbController(lb, Optional.empty())));
        InetSocketAddress webAddress = lb.addresses().get("web");

        // 1. three whole exchanges, one after the other: a (100 bytes), b (200), a (300)
        assertThat(exchange(webAddress, 100)).isEqualTo(100);
        assertThat(exchange(webAddress, 200)).isEqualTo(200);
        assertThat(exchange(webAddress, 300)).isEqualTo(300);
        await().until(() -> lb.status().listeners().get(0).active() == 0);
        // 2. two connections held open (b, then a), a third refused by max-connections 2
        Client held1 = closing(connectRaw(webAddress));
        Client held2 = closing(connectRaw(webAddress));
        await().until(() -> lb.pool("p").backend("a").stats().total() == 3);
        try (Socket refused = new Socket(webAddress.getAddress(), webAddress.getPort())) {
            refused.setSoTimeout(5_000);
            assertThat(refused.getInputStream().read()).isEqualTo(-1); // closed at once
        }
        await().until(() -> lb.status().listeners().get(0).refused() == 1);
        String whileHeld = get("/metrics").body();
        assertThat(whileHeld).contains(
                "nexo_lb_backend_active_connections{backend=\"a\",pool=\"p\"} 1.0\n",
                "nexo_lb_backend_active_connections{backend=\"b\",pool=\"p\"} 1.0\n",
                "nexo_lb_listener_active_connections{listener=\"web\"} 2.0\n");
        held1.close();
        held2.close();
        // 3. two connections to a pool whose only backend is dead (no health checks: each one tries)
        for (int i = 0; i < 2; i++) {
            InetSocketAddress dead = lb.addresses().get("dead");
            try (Socket s = new Socket(dead.getAddress(), dead.getPort())) {
                s.setSoTimeout(5_000);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
        }
        await().until(() -> lb.openConnections() == 0 && lb.pool("p").backend("a").activeConnections() == 0
                && lb.pool("p").backend("b").activeConnections() == 0);

        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.body().lines().filter(l -> l.startsWith("nexo_lb_") && !l.contains("check_latency")))
                .containsExactlyInAnyOrder(
                        "nexo_lb_backend_active_connections{backend=\"a\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_active_connections{backend=\"b\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_active_connections{backend=\"d\",pool=\"q\"} 0.0",
                        "nexo_lb_backend_connections_total{backend=\"a\",pool=\"p\"} 3.0",
                        "nexo_lb_backend_connections_total{backend=\"b\",pool=\"p\"} 2.0",
                        "nexo_lb_backend_connections_total{backend=\"d\",pool=\"q\"} 0.0",
                        "nexo_lb_backend_bytes_in_total{backend=\"a\",pool=\"p\"} 400.0",
                        "nexo_lb_backend_bytes_in_total{backend=\"b\",pool=\"p\"} 200.0",
                        "nexo_lb_backend_bytes_in_total{backend=\"d\",pool=\"q\"} 0.0",
                        "nexo_lb_backend_bytes_out_total{backend=\"a\",pool=\"p\"} 400.0",
                        "nexo_lb_backend_bytes_out_total{backend=\"b\",pool=\"p\"} 200.0",
                        "nexo_lb_backend_bytes_out_total{backend=\"d\",pool=\"q\"} 0.0",
                        "nexo_lb_backend_connect_failures_total{backend=\"a\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_connect_failures_total{backend=\"b\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_connect_failures_total{backend=\"d\",pool=\"q\"} 2.0",
                        "nexo_lb_backend_checks_total{backend=\"a\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_checks_total{backend=\"b\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_checks_total{backend=\"d\",pool=\"q\"} 0.0",
                        "nexo_lb_backend_check_failures_total{backend=\"a\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_check_failures_total{backend=\"b\",pool=\"p\"} 0.0",
                        "nexo_lb_backend_check_failures_total{backend=\"d\",pool=\"q\"} 0.0",
                        "nexo_lb_backend_up{backend=\"a\",pool=\"p\"} 1.0",
                        "nexo_lb_backend_up{backend=\"b\",pool=\"p\"} 1.0",
                        "nexo_lb_backend_up{backend=\"d\",pool=\"q\"} 1.0",
                        "nexo_lb_backend_weight{backend=\"a\",pool=\"p\"} 1.0",
                        "nexo_lb_backend_weight{backend=\"b\",pool=\"p\"} 1.0",
                        "nexo_lb_backend_weight{backend=\"d\",pool=\"q\"} 1.0",
                        "nexo_lb_backend_state{backend=\"a\",pool=\"p\",state=\"disabled\"} 0.0",
                        "nexo_lb_backend_state{backend=\"a\",pool=\"p\",state=\"down\"} 0.0",
                        "nexo_lb_backend_state{backend=\"a\",pool=\"p\",state=\"drain\"} 0.0",
                        "nexo_lb_backend_state{backend=\"a\",pool=\"p\",state=\"up\"} 1.0",
                        "nexo_lb_backend_state{backend=\"b\",pool=\"p\",state=\"disabled\"} 0.0",
                        "nexo_lb_backend_state{backend=\"b\",pool=\"p\",state=\"down\"} 0.0",
                        "nexo_lb_backend_state{backend=\"b\",pool=\"p\",state=\"drain\"} 0.0",
                        "nexo_lb_backend_state{backend=\"b\",pool=\"p\",state=\"up\"} 1.0",
                        "nexo_lb_backend_state{backend=\"d\",pool=\"q\",state=\"disabled\"} 0.0",
                        "nexo_lb_backend_state{backend=\"d\",pool=\"q\",state=\"down\"} 0.0",
                        "nexo_lb_backend_state{backend=\"d\",pool=\"q\",state=\"drain\"} 0.0",
                        "nexo_lb_backend_state{backend=\"d\",pool=\"q\",state=\"up\"} 1.0",
                        "nexo_lb_listener_accepted_total{listener=\"dead\"} 2.0",
                        "nexo_lb_listener_accepted_total{listener=\"web\"} 5.0",
                        "nexo_lb_listener_refused_total{listener=\"dead\"} 0.0",
                        "nexo_lb_listener_refused_total{listener=\"web\"} 1.0",
                        "nexo_lb_listener_refused_per_ip_total{listener=\"dead\"} 0.0",
                        "nexo_lb_listener_refused_per_ip_total{listener=\"web\"} 0.0",
                        "nexo_lb_listener_active_connections{listener=\"dead\"} 0.0",
                        "nexo_lb_listener_active_connections{listener=\"web\"} 0.0");
    }

    /** Opens a connection and waits until the balancer has connected it to a backend. */
    private static Client connectRaw(InetSocketAddress lb) throws Exception {
        return Client.connectSilent(lb);
    }

    @Test
    void statusShowsWhyTheLastCheckFailed() throws Exception {
        TestBackend sick = closing(TestBackend.start(s -> {
            s.getInputStream().read(new byte[4096]);
            s.getOutputStream().write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }));
        var checks = Configs.MANUAL_CHECKS.withProtocol(
                io.nexo.lb.config.CheckProtocol.of(null, null, "GET /health", null));
        LoadBalancer lb = closing(new LoadBalancer(config(List.of(listener("web", "p")), pool("p", "round-robin",
                List.of(Configs.backend("s", sick.address())), checks, ProxyProtocol.NONE)), 1));
        lb.start();
        admin = closing(LbAdmin.start(new HostAndPort("127.0.0.1", 0), new LbController(lb, Optional.empty())));
        ObjectMapper json = new ObjectMapper();
        JsonNode before = json.readTree(get("/api/status").body()).at("/pools/0/backends/0");
        assertThat(before.get("lastCheckError").isNull()).isTrue();
        assertThat(before.get("checks").asLong()).isZero();

        lb.healthChecker("p").orElseThrow().checkNow().get(10, java.util.concurrent.TimeUnit.SECONDS);

        JsonNode after = json.readTree(get("/api/status").body()).at("/pools/0/backends/0");
        assertThat(after.get("lastCheckError").asText()).isEqualTo("HTTP status 503 (expected: 200-399)");
        assertThat(after.get("checks").asLong()).isEqualTo(1);
        assertThat(after.get("checkFailures").asLong()).isEqualTo(1);
        assertThat(after.get("health").asText()).isEqualTo("down");
    }

    @Test
    void statusAndBackendActionsOverHttp() throws Exception {
        NamedBackend a = closing(NamedBackend.start("a"));
        NamedBackend b = closing(NamedBackend.start("b"));
        LoadBalancer lb = closing(new LoadBalancer(config(List.of(listener("web", "p")), pool("p", "round-robin",
                List.of(Configs.backend(a), Configs.backend(b)))), 1));
        lb.start();
        admin = closing(LbAdmin.start(new HostAndPort("127.0.0.1", 0), new LbController(lb, Optional.empty())));
        InetSocketAddress web = lb.addresses().get("web");
        ObjectMapper json = new ObjectMapper();

        JsonNode status = json.readTree(get("/api/status").body());
        assertThat(status.at("/listeners/0/name").asText()).isEqualTo("web");
        assertThat(status.at("/listeners/0/listen").asText()).isEqualTo("127.0.0.1:" + web.getPort());
        assertThat(status.at("/pools/0/backends/1/name").asText()).isEqualTo("b");
        assertThat(status.at("/pools/0/backends/1/state").asText()).isEqualTo("up");

        HttpResponse<String> drained = post("/api/backends/p/a/drain", "");
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(json.readTree(drained.body()).get("state").asText()).isEqualTo("drain");
        assertThat(List.of(Client.whoAnswers(web), Client.whoAnswers(web))).containsOnly("b");

        assertThat(post("/api/backends/p/a/enable", "").statusCode()).isEqualTo(200);
        HttpResponse<String> weighted = post("/api/backends/p/b/weight", "{\"weight\": 7}");
        assertThat(json.readTree(weighted.body()).get("weight").asInt()).isEqualTo(7);
        assertThat(post("/api/backends/p/b/weight?value=2", "").statusCode()).isEqualTo(200);
        assertThat(lb.pool("p").backend("b").weight()).isEqualTo(2);

        HttpResponse<String> badWeight = post("/api/backends/p/b/weight", "{\"weight\": 0}");
        assertThat(badWeight.statusCode()).isEqualTo(400);
        assertThat(badWeight.body()).contains("weight: 0 (expected: 1-256)");
        HttpResponse<String> unknown = post("/api/backends/p/zzz/drain", "");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("pool p has no backend 'zzz'");
        assertThat(post("/api/backends/nope/a/drain", "").statusCode()).isEqualTo(404);
        assertThat(post("/api/backends/p/a/explode", "").statusCode()).isEqualTo(400);
        assertThat(post("/api/reload", "").statusCode()).isEqualTo(409);

        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>nexo lb statistics</title>", "fetch(\"/api/status\"");
    }
}
