package io.nexo.lb.reload;

import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nexo.lb.ListenException;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.admin.LbController;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ConfigException;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.NamedBackend;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload: what changes, what stays, and that a bad new config changes nothing. */
class ReloadTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private NamedBackend a;
    private NamedBackend b;
    private NamedBackend c;

    @TempDir
    Path dir;

    @BeforeEach
    void backends() throws Exception {
        a = closing(NamedBackend.start("a"));
        b = closing(NamedBackend.start("b"));
        c = closing(NamedBackend.start("c"));
    }

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

    private LoadBalancer start(BalancerConfig config) throws ListenException {
        LoadBalancer lb = closing(new LoadBalancer(config, 1));
        lb.start();
        return lb;
    }

    @Test
    void listenersPoolsAndBackendsChangeWhileOpenConnectionsKeepTheirBackend() throws Exception {
        LoadBalancer lb = start(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(backend(a), backend(b)))));
        InetSocketAddress web = lb.addresses().get("web");
        Client onA = closing(Client.connect(web));
        assertThat(onA.backend).isEqualTo("a");

        List<String> changes = lb.reload(config(List.of(listener("web", "p"), listener("api", "q")),
                pool("p", "round-robin", List.of(backend(b), backend(c))),
                pool("q", "round-robin", List.of(backend(c)))));

        assertThat(changes).containsExactly(
                "listener api on 127.0.0.1:0 added (pool q)",
                "pool p: backend c (" + c.address() + ") added",
                "pool p: backend a (" + a.address() + ") removed (open connections finish)",
                "pool q added with 1 backend(s)");
        // the same socket: the port did not change, nothing was re-bound
        assertThat(lb.addresses().get("web")).isEqualTo(web);
        // the connection to the removed backend still flows both ways
        assertThat(onA.echo("still here")).isEqualTo("still here");
        // new connections follow the new pool
        assertThat(List.of(Client.whoAnswers(web), Client.whoAnswers(web), Client.whoAnswers(web)))
                .containsExactly("b", "c", "b");
        InetSocketAddress api = lb.addresses().get("api");
        assertThat(Client.whoAnswers(api)).isEqualTo("c");
        Client onApi = closing(Client.connect(api));

        lb.reload(config(List.of(listener("web", "p")), pool("p", "round-robin", List.of(backend(b), backend(c)))));

        assertThat(lb.addresses()).containsOnlyKeys("web");
        assertThatThrownBy(() -> Client.whoAnswers(api)).isInstanceOf(ConnectException.class);
        // a connection accepted by the removed listener goes on until it ends
        assertThat(onApi.echo("api connection survives")).isEqualTo("api connection survives");
        assertThat(onA.echo("and so does this one")).isEqualTo("and so does this one");
    }

    @Test
    void backendsThatStayKeepTheirCountersAndOpenConnections() throws Exception {
        LoadBalancer lb = start(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(backend(a), backend(b)))));
        InetSocketAddress web = lb.addresses().get("web");
        Client onA = closing(Client.connect(web));
        assertThat(Client.whoAnswers(web)).isEqualTo("b");
        await().until(() -> lb.pool("p").backend("b").activeConnections() == 0);

        lb.reload(config(List.of(listener("web", "p")),
                pool("p", "least-connections", List.of(backend(a), backend(b), backend(c)))));

        var status = lb.status().pools().get(0);
        assertThat(status.policy()).isEqualTo("least-connections");
        assertThat(status.backends()).extracting(x -> x.name() + "=" + x.total() + "/" + x.active())
                .containsExactly("a=1/1", "b=1/0", "c=0/0");
        // least-connections sees a's open connection: the next ones go to b and c
        assertThat(List.of(Client.whoAnswers(web), Client.whoAnswers(web))).doesNotContain("a");
        assertThat(onA.echo("x")).isEqualTo("x");
    }

    @Test
    void aListenerThatCannotBindRefusesTheWholeReload() throws Exception {
        LoadBalancer lb = start(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(backend(a)))));
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var blocked = new io.nexo.lb.config.ListenerConfig("blocked",
                    new io.nexo.core.net.HostAndPort("127.0.0.1", taken.getLocalPort()), "p", 100);
            BalancerConfig next = config(List.of(listener("web", "p"), listener("fresh", "p"), blocked),
                    pool("p", "round-robin", List.of(backend(b))));

            assertThatThrownBy(() -> lb.reload(next)).isInstanceOf(ListenException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        // nothing changed: same listeners, same pool, and "fresh" (bound before the failure) is closed again
        assertThat(lb.addresses()).containsOnlyKeys("web");
        assertThat(Client.whoAnswers(lb.addresses().get("web"))).isEqualTo("a");
        assertThat(lb.balancerConfig().pools().get("p").backends()).extracting(x -> x.name()).containsExactly("a");
    }

    @Test
    void anInvalidFileIsRefusedWithItsLineAndTheOldConfigKeepsRunning() throws Exception {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, """
                listeners:
                  - {name: web, listen: "127.0.0.1:0", pool: p}
                pools:
                  p:
                    backends:
                      - {name: a, address: "%s"}
                """.formatted(a.address()));
        LoadBalancer lb = start(io.nexo.lb.config.ConfigLoader.load(file));
        LbController controller = new LbController(lb, Optional.of(file));
        InetSocketAddress web = lb.addresses().get("web");

        Files.writeString(file, """
                listeners:
                  - {name: web, listen: "127.0.0.1:0", pool: p}
                pools:
                  p:
                    backends:
                      - {name: b, address: "%s", weight: 0}
                """.formatted(b.address()));
        assertThatThrownBy(controller::reload).isInstanceOf(ConfigException.class)
                .hasMessage(file + ":6: weight: 0 (expected: 1-256)");
        assertThat(Client.whoAnswers(web)).isEqualTo("a");

        Files.writeString(file, Files.readString(file).replace(", weight: 0", ""));
        assertThat(controller.reload()).contains("pool p: backend b (" + b.address() + ") added");
        // the file turns health checks on: a backend that joins a running pool takes clients once its
        // first check (started at once) has passed
        await().until(() -> lb.pool("p").backend("b").isUp());
        assertThat(Client.whoAnswers(web)).isEqualTo("b");
    }

    @Test
    void startedFromFlagsThereIsNothingToReload() throws Exception {
        LoadBalancer lb = start(config(List.of(listener("web", "p")), pool("p", "round-robin", List.of(backend(a)))));
        assertThatThrownBy(() -> new LbController(lb, Optional.empty()).reload())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("started from flags");
    }

    @Test
    void turningHealthChecksOffBringsABackendThatChecksHadTakenDownBack() throws Exception {
        LoadBalancer lb = start(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(backend(a), backend(b)))));
        a.stop();
        lb.healthChecker("p").orElseThrow().checkNow().get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(lb.pool("p").backend("a").isUp()).isFalse();
        a.restart();

        lb.reload(config(List.of(listener("web", "p")), pool("p", "round-robin", List.of(backend(a), backend(b)),
                io.nexo.lb.testing.Configs.NO_CHECKS, io.nexo.lb.config.ProxyProtocol.NONE)));

        // no checker would ever bring it back, so the reload starts it UP
        assertThat(lb.pool("p").backend("a").isUp()).isTrue();
        InetSocketAddress web = lb.addresses().get("web");
        assertThat(List.of(Client.whoAnswers(web), Client.whoAnswers(web))).containsExactlyInAnyOrder("a", "b");
    }
}
