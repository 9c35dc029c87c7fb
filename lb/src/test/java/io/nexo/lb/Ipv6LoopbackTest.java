package io.nexo.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexo.core.admin.AdminServer;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.admin.LbAdmin;
import io.nexo.lb.admin.LbController;
import io.nexo.lb.backend.AdminState;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.Loopback;
import io.nexo.lb.testing.TestBackend;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The balancer with every address on {@code ::1}: health checks, the names derived from IPv6
 * addresses in metrics labels, /api/status and the admin URLs. (Bytes and half-close on {@code ::1}
 * are in ProxyDataPathTest, PROXY headers in ProxyProtocolEndToEndTest.)
 */
class Ipv6LoopbackTest {

    @RegisterExtension
    final Closer closer = new Closer();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void needsIpv6() {
        Loopback.assumeAvailable(Loopback.IPV6);
    }

    private static HostAndPort any() {
        return new HostAndPort(Loopback.IPV6, 0);
    }

    /** Sends one line, half-closes and returns everything the other side sent before closing. */
    private static String exchange(HostAndPort at, String text) throws IOException {
        try (Socket s = new Socket(at.host(), at.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void healthChecksTakeAnIpv6BackendDownAndAClientIsThenClosedAtOnce() throws Exception {
        TestBackend backend = TestBackend.start(Loopback.IPV6, s -> s.getInputStream().transferTo(s.getOutputStream()));
        closer.add(backend);
        LoadBalancer lb = closer.add(Lbs.manualChecks(List.of(backend.address())).withListen(any()).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        assertThat(at.toString()).startsWith("[::1]:");
        Backend b = lb.backends().all().get(0);
        assertThat(b.name()).isEqualTo("[::1]:" + backend.port());

        lb.healthChecker().orElseThrow().checkNow().get(5, TimeUnit.SECONDS);
        assertThat(b.isUp()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.accepted() == 1); // the check reached ::1
        assertThat(exchange(at, "ping")).isEqualTo("ping");

        backend.close();
        lb.healthChecker().orElseThrow().checkNow().get(5, TimeUnit.SECONDS); // fall 1
        assertThat(b.isUp()).isFalse();
        try (Socket client = new Socket(at.host(), at.port())) {
            client.setSoTimeout(5_000);
            assertThat(client.getInputStream().read()).as("no backend up: closed at once").isEqualTo(-1);
        }
        assertThat(b.stats().total()).isEqualTo(1);
    }

    @Test
    void namesDerivedFromIpv6AddressesWorkInMetricsStatusAndAdminUrls() throws Exception {
        TestBackend backend = closer.add(TestBackend.start(Loopback.IPV6,
                s -> s.getInputStream().transferTo(s.getOutputStream())));
        LoadBalancer lb = closer.add(Lbs.noChecks(List.of(backend.address())).withListen(any()).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        AdminServer admin = closer.add(LbAdmin.start(any(), new LbController(lb, Optional.empty())));
        assertThat(admin.address().toString()).startsWith("[::1]:");
        String name = "[::1]:" + backend.port();
        assertThat(exchange(at, "one")).isEqualTo("one");
        assertThat(exchange(at, "two")).isEqualTo("two");

        String metrics = get(admin, "/metrics").body();
        assertThat(metrics)
                .contains("nexo_lb_backend_connections_total{backend=\"" + name + "\",pool=\"default\"} 2.0");
        // the listener is named after its configured address; port 0 stays 0 in the name
        assertThat(metrics).contains("nexo_lb_listener_accepted_total{listener=\"[::1]:0\"} 2.0");
        JsonNode status = new ObjectMapper().readTree(get(admin, "/api/status").body());
        assertThat(status.at("/listeners/0/listen").asText()).isEqualTo(at.toString());
        assertThat(status.at("/pools/0/backends/0/name").asText()).isEqualTo(name);
        assertThat(status.at("/pools/0/backends/0/address").asText()).isEqualTo(name);

        String encoded = URLEncoder.encode(name, StandardCharsets.UTF_8);
        assertThat(encoded).isEqualTo("%5B%3A%3A1%5D%3A" + backend.port());
        HttpResponse<String> drain = http.send(HttpRequest.newBuilder(
                URI.create("http://" + admin.address() + "/api/backends/default/" + encoded + "/drain"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(drain.statusCode()).as(drain.body()).isEqualTo(200);
        assertThat(lb.pool("default").backend(name).adminState()).isEqualTo(AdminState.DRAIN);
    }

    private HttpResponse<String> get(AdminServer admin, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + admin.address() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response;
    }
}
