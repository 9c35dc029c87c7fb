package io.nexo.lb.backend;

import io.nexo.lb.testing.Closer;

import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.NamedBackend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Backups, drain, disable, max-connections and runtime weights, end to end through the balancer. */
class PoolBehaviourTest {

    @RegisterExtension
    final Closer closer = new Closer();

    private LoadBalancer start(BalancerConfig config) throws Exception {
        LoadBalancer lb = closer.add(new LoadBalancer(config, 1));
        lb.start();
        return lb;
    }

    private static List<String> answers(InetSocketAddress address, int count) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(Client.whoAnswers(address));
        }
        return names;
    }

    @Test
    void backupsServeOnlyWhileNoPrimaryIsUp() throws Exception {
        NamedBackend p1 = closer.add(NamedBackend.start("p1"));
        NamedBackend p2 = closer.add(NamedBackend.start("p2"));
        NamedBackend spare = closer.add(NamedBackend.start("spare"));
        LoadBalancer lb = start(config(List.of(listener("web", "p")), pool("p", "round-robin", List.of(
                backend(p1), backend(p2), new BackendConfig("spare", spare.address(), 1, true, 0)))));
        InetSocketAddress web = lb.addresses().get("web");

        assertThat(answers(web, 4)).containsExactly("p1", "p2", "p1", "p2");

        p1.stop();
        p2.stop();
        lb.healthChecker("p").orElseThrow().checkNow().get(5, TimeUnit.SECONDS); // fall 1: both down
        assertThat(answers(web, 3)).containsExactly("spare", "spare", "spare");
        assertThat(lb.status().pools().get(0).backends()).extracting(b -> b.name() + ":" + b.state())
                .containsExactly("p1:down", "p2:down", "spare:up");

        p2.restart();
        lb.healthChecker("p").orElseThrow().checkNow().get(5, TimeUnit.SECONDS); // rise 1: p2 up
        assertThat(answers(web, 2)).containsExactly("p2", "p2");
    }

    @Test
    void drainStopsNewConnectionsWhileOpenOnesKeepFlowing() throws Exception {
        NamedBackend a = closer.add(NamedBackend.start("a"));
        NamedBackend b = closer.add(NamedBackend.start("b"));
        LoadBalancer lb = start(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(backend(a), backend(b)))));
        InetSocketAddress web = lb.addresses().get("web");
        Client onA = closer.add(Client.connect(web));
        assertThat(onA.backend).isEqualTo("a");

        lb.setAdminState("p", "a", AdminState.DRAIN);

        assertThat(answers(web, 4)).containsOnly("b");
        assertThat(onA.echo("still flowing")).isEqualTo("still flowing");
        var statusOfA = lb.status().pools().get(0).backends().get(0);
        assertThat(statusOfA.state()).isEqualTo("drain");
        assertThat(statusOfA.active()).isEqualTo(1);

        onA.close();
        await().until(() -> lb.pool("p").backend("a").activeConnections() == 0);
        lb.setAdminState("p", "a", AdminState.ENABLED);
        assertThat(answers(web, 4)).containsOnly("a", "b").contains("a");
    }

    @Test
    void disabledBackendGetsNothingAndIsNotHealthChecked() throws Exception {
        NamedBackend a = closer.add(NamedBackend.start("a"));
        NamedBackend b = closer.add(NamedBackend.start("b"));
        LoadBalancer lb = start(config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(backend(a), backend(b)))));
        lb.setAdminState("p", "a", AdminState.DISABLED);
        a.stop(); // in maintenance: the checks must not notice

        lb.healthChecker("p").orElseThrow().checkNow().get(5, TimeUnit.SECONDS);

        assertThat(lb.pool("p").backend("a").isUp()).isTrue();
        assertThat(lb.status().pools().get(0).backends().get(0).state()).isEqualTo("disabled");
        assertThat(answers(lb.addresses().get("web"), 3)).containsOnly("b");
    }

    @Test
    void aFullBackendIsSkippedUntilOneOfItsConnectionsCloses() throws Exception {
        NamedBackend a = closer.add(NamedBackend.start("a"));
        NamedBackend b = closer.add(NamedBackend.start("b"));
        LoadBalancer lb = start(config(List.of(listener("web", "p")), pool("p", "round-robin", List.of(
                new BackendConfig("a", a.address(), 1, false, 1), backend(b)))));
        InetSocketAddress web = lb.addresses().get("web");

        Client first = closer.add(Client.connect(web));
        assertThat(first.backend).isEqualTo("a");
        List<Client> more = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            more.add(closer.add(Client.connect(web)));
        }
        assertThat(more).extracting(c -> c.backend).containsOnly("b");

        first.close();
        await().until(() -> lb.pool("p").backend("a").activeConnections() == 0);
        assertThat(answers(web, 2)).contains("a");
    }

    @Test
    void weightsChangeAtRuntime() throws Exception {
        NamedBackend a = closer.add(NamedBackend.start("a"));
        NamedBackend b = closer.add(NamedBackend.start("b"));
        LoadBalancer lb = start(config(List.of(listener("web", "p")),
                pool("p", "weighted-round-robin", List.of(backend(a), backend(b)))));
        InetSocketAddress web = lb.addresses().get("web");
        assertThat(answers(web, 2)).containsExactly("a", "b");

        lb.setWeight("p", "b", 3);

        // smooth WRR over (1, 3): b a b b, whatever the position in the period, 8 picks = 2 periods
        List<String> next = answers(web, 8);
        assertThat(next).filteredOn("a"::equals).hasSize(2);
        assertThat(next).filteredOn("b"::equals).hasSize(6);
        assertThat(lb.status().pools().get(0).backends().get(1).weight()).isEqualTo(3);
    }
}
