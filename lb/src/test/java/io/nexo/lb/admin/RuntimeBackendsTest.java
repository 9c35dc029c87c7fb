package io.nexo.lb.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexo.core.admin.AdminServer;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.config.CheckProtocol;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.Configs;
import io.nexo.lb.testing.Load;
import io.nexo.lb.testing.NamedBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code POST /api/pools/P/backends} and {@code DELETE /api/pools/P/backends/NAME} under load. */
class RuntimeBackendsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
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

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + admin.address() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void addAndRemoveUnderLoadWithoutAFailedConnection() throws Exception {
        NamedBackend a = closing(NamedBackend.start("a"));
        NamedBackend b = closing(NamedBackend.start("b"));
        LoadBalancer lb = closing(new LoadBalancer(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(Configs.backend(a)))), 1));
        lb.start();
        admin = closing(LbAdmin.start(new HostAndPort("127.0.0.1", 0), new LbController(lb, Optional.empty())));
        InetSocketAddress web = lb.addresses().get("web");

        Client onB;
        try (Load load = Load.start(web, Duration.ofMillis(20))) {
            HttpResponse<String> added = send("POST", "/api/pools/p/backends",
                    "{\"address\": \"" + b.address() + "\", \"name\": \"b\", \"weight\": 3}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            assertThat(JSON.readTree(added.body()).path("weight").asInt()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(5)).until(() -> lb.pool("p").backend("b").stats().total() >= 5);

            onB = connectTo(web, "b");
            HttpResponse<String> removed = send("DELETE", "/api/pools/p/backends/b", "");
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
            // onB, and maybe a short connection of the load that is on b right now
            assertThat(JSON.readTree(removed.body()).path("active").asInt()).as("drains").isGreaterThanOrEqualTo(1);
            long before = load.answered();
            await().atMost(Duration.ofSeconds(5)).until(() -> load.answered() >= before + 10);
            assertThat(load.failures()).as("failed connections: %s", load.lastFailure()).isZero();
        }
        assertThat(lb.pool("p").all()).extracting(x -> x.name()).containsExactly("a");
        assertThat(List.of(Client.whoAnswers(web), Client.whoAnswers(web))).containsExactly("a", "a");
        assertThat(onB.echo("draining")).as("b's open connection finishes").isEqualTo("draining");
        onB.close();
    }

    @Test
    void anAddedBackendFailingItsFirstCheckTakesNoClient() throws Exception {
        NamedBackend ok = closing(NamedBackend.start("ok-a"));
        NamedBackend sick = closing(NamedBackend.start("sick")); // accepts, but the check expects "ok-"
        HealthCheckConfig checks = new HealthCheckConfig(true, Duration.ofMillis(100), Duration.ofSeconds(2), 2, 3,
                new CheckProtocol.SendExpect("", "ok-"));
        LoadBalancer lb = closing(new LoadBalancer(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(Configs.backend(ok)), checks, ProxyProtocol.NONE)), 1));
        lb.start();
        admin = closing(LbAdmin.start(new HostAndPort("127.0.0.1", 0), new LbController(lb, Optional.empty())));
        InetSocketAddress web = lb.addresses().get("web");

        try (Load load = Load.start(web, Duration.ofMillis(20))) {
            HttpResponse<String> added = send("POST", "/api/pools/p/backends",
                    "{\"address\": \"" + sick.address() + "\", \"name\": \"sick\"}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            Backend b = lb.pool("p").backend("sick");
            await().atMost(Duration.ofSeconds(5)).until(() -> b.stats().checkFailures() >= 2);
            long before = load.answered();
            await().atMost(Duration.ofSeconds(5)).until(() -> load.answered() >= before + 10);
            assertThat(load.failures()).as("failed connections: %s", load.lastFailure()).isZero();
            assertThat(b.state()).isEqualTo("down");
            assertThat(b.stats().total()).as("client connections sent to it").isZero();
        }
    }

    @Test
    void badRequestsAreRefusedWithAReason() throws Exception {
        NamedBackend a = closing(NamedBackend.start("a"));
        LoadBalancer lb = closing(new LoadBalancer(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(Configs.backend(a)))), 1));
        lb.start();
        admin = closing(LbAdmin.start(new HostAndPort("127.0.0.1", 0), new LbController(lb, Optional.empty())));

        assertThat(send("POST", "/api/pools/p/backends", "{\"address\": \"" + a.address() + "\", \"name\": \"a\"}")
                .body()).contains("already has a backend 'a'");
        assertThat(send("POST", "/api/pools/p/backends", "{\"weight\": 2}").statusCode()).isEqualTo(400);
        HttpResponse<String> badWeight = send("POST", "/api/pools/p/backends",
                "{\"address\": \"127.0.0.1:9\", \"weight\": 0}");
        assertThat(badWeight.statusCode()).isEqualTo(400);
        assertThat(badWeight.body()).contains("weight: 0 (expected: 1-256)");
        assertThat(send("POST", "/api/pools/nope/backends", "{\"address\": \"127.0.0.1:9\"}").statusCode())
                .isEqualTo(404);
        HttpResponse<String> listed = send("DELETE", "/api/pools/p/backends/a", "");
        assertThat(listed.statusCode()).isEqualTo(404);
        assertThat(listed.body()).contains("added at run time");
        assertThat(lb.pool("p").all()).extracting(x -> x.name()).containsExactly("a");
    }

    @Test
    void aReloadDropsRunTimeBackendsAndTheyDrain() throws Exception {
        NamedBackend a = closing(NamedBackend.start("a"));
        NamedBackend b = closing(NamedBackend.start("b"));
        var declared = config(List.of(listener("web", "p")), pool("p", "round-robin", List.of(Configs.backend(a))));
        LoadBalancer lb = closing(new LoadBalancer(declared, 1));
        lb.start();
        InetSocketAddress web = lb.addresses().get("web");
        lb.addBackend("p", Configs.backend(b));
        Client onB = connectTo(web, "b");

        assertThat(lb.reload(declared)).containsExactly("pool p: backend b (" + b.address()
                + ") removed (open connections finish)");
        assertThat(lb.pool("p").all()).extracting(x -> x.name()).containsExactly("a");
        assertThat(onB.echo("after reload")).isEqualTo("after reload");
        onB.close();
    }

    /** Opens connections until one lands on {@code backend} (round-robin: within a few). */
    private static Client connectTo(InetSocketAddress web, String backend) throws Exception {
        for (int i = 0; i < 20; i++) {
            Client c = Client.connect(web);
            if (backend.equals(c.backend)) {
                return c;
            }
            c.close();
        }
        throw new AssertionError("no connection reached " + backend);
    }
}
