package io.nexo.lb.discovery;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.backend.AdminState;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.config.BackendTlsConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.CheckProtocol;
import io.nexo.lb.config.DnsConfig;
import io.nexo.lb.config.DnsTarget;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.stats.LbStatus;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.Dnsmasq;
import io.nexo.lb.testing.Load;
import io.nexo.lb.testing.NamedBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.nexo.lb.testing.Configs.NO_CHECKS;
import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Backends from a real DNS server (dnsmasq, see {@link Dnsmasq}): A records, a change of them under
 * load, the server going away, and SRV weights and priorities. Backends listen on 127.0.0.11-14,
 * all on one port, as a DNS name with A records describes them.
 */
class DnsBackendDiscoveryTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    /** Backend name ("b11") -> server on 127.0.0.11. */
    private final Map<String, NamedBackend> backends = new LinkedHashMap<>();
    private int port;
    /** The configuration the test started the balancer with. */
    private BalancerConfig declared;
    private Path hosts;

    @BeforeEach
    void backendsOnFourAddresses() throws IOException {
        Dnsmasq.assumeInstalled();
        hosts = dir.resolve("hosts");
        // one port on four addresses: bind .11 on a free port, the others on the same one; if another
        // process holds it on one of them, start over on a new free port (no port is probed and reused)
        for (int attempt = 0; backends.isEmpty(); attempt++) {
            try {
                NamedBackend first = NamedBackend.start("b11", "127.0.0.11", 0);
                backends.put("b11", first);
                port = first.port();
                for (int i = 12; i <= 14; i++) {
                    backends.put("b" + i, NamedBackend.start("b" + i, "127.0.0." + i, port));
                }
            } catch (BindException e) {
                for (NamedBackend b : backends.values()) {
                    b.close();
                }
                backends.clear();
                if (attempt == 5) {
                    throw e;
                }
            }
        }
        toClose.addAll(backends.values());
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void aRecordsRoundRobinThenAChangeUnderLoadJoinsAndDrainsWithoutAFailure() throws Exception {
        writeHosts("web.test", 11, 12, 13);
        Dnsmasq dns = dnsmasq(List.of());
        LoadBalancer lb = start(dns, "round-robin", new DnsTarget("web.test", port));
        InetSocketAddress address = lb.addresses().get("web");

        awaitApplied(lb, 3);
        assertThat(picks(address, 6)).isIn(rotations("b11", "b12", "b13"));

        Client longLived = Client.connect(address); // stays open on its backend across the change
        String longBackend = longLived.backend;
        try (Load load = Load.start(address, Duration.ofMillis(20))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> load.answered() >= 10);
            writeHosts("web.test", 12, 13, 14);
            dns.reload();
            await().atMost(Duration.ofSeconds(10)).until(() -> lb.backends().all().stream()
                    .anyMatch(b -> b.address().host().equals("127.0.0.14")));
            long before = load.answered();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.answered() >= before + 10);
            assertThat(load.failures()).as("failed connections: %s", load.lastFailure()).isZero();
        }
        LbStatus.Dns status = dnsStatus(lb);
        assertThat(status.joined()).as("b11, b12, b13 at start, then b14").isEqualTo(4);
        assertThat(status.removed()).as("b11 drains").isEqualTo(1);
        assertThat(status.failures()).isZero();
        assertThat(lb.backends().all()).extracting(b -> b.address().port()).containsOnly(port);
        assertThat(lb.backends().all()).extracting(b -> b.address().host())
                .containsExactly("127.0.0.12", "127.0.0.13", "127.0.0.14");
        assertThat(picks(address, 6)).isIn(rotations("b12", "b13", "b14"));
        assertThat(longLived.echo("still here")).as("the connection to %s survives", longBackend)
                .isEqualTo("still here");
        longLived.close();
    }

    @Test
    void aNewBackendTakesNoClientUntilItPassesItsFirstCheck() throws Exception {
        // on .14 a backend that accepts connections but greets "sick": the check expects "b1"
        backends.remove("b14").close();
        NamedBackend sick = NamedBackend.start("sick", "127.0.0.14", port);
        toClose.add(sick);
        writeHosts("web.test", 11, 12, 13);
        Dnsmasq dns = dnsmasq(List.of());
        HealthCheckConfig checks = new HealthCheckConfig(true, Duration.ofMillis(100), Duration.ofSeconds(2), 2, 3,
                new CheckProtocol.SendExpect("", "b1"));
        LoadBalancer lb = start(dns, "round-robin", checks, new DnsTarget("web.test", port));
        InetSocketAddress address = lb.addresses().get("web");
        awaitApplied(lb, 3);
        // the pool started empty, so these joined a running pool too: each after its first check
        await().atMost(Duration.ofSeconds(10)).until(() -> lb.backends().up().size() == 3);
        assertThat(lb.backends().all()).allSatisfy(b -> assertThat(b.stats().checks()).isPositive());

        writeHosts("web.test", 11, 12, 13, 14);
        dns.reload();
        awaitApplied(lb, 4);
        Backend b14 = backendOn(lb, "127.0.0.14");
        // at once, before its first check could have finished, and after: never picked
        assertThat(picks(address, 6)).isIn(rotations("b11", "b12", "b13"));
        await().atMost(Duration.ofSeconds(10)).until(() -> b14.stats().checkFailures() >= 2);
        assertThat(picks(address, 6)).isIn(rotations("b11", "b12", "b13"));
        assertThat(b14.state()).isEqualTo("down");
        assertThat(b14.stats().total()).as("client connections sent to the backend failing its checks").isZero();
        assertThat(b14.stats().connectFailures()).isZero();

        // healthy now: after rise (2) passing checks, as any DOWN backend, it takes its turn
        sick.close();
        toClose.add(NamedBackend.start("b14", "127.0.0.14", port));
        await().atMost(Duration.ofSeconds(10)).until(() -> b14.state().equals("up"));
        assertThat(picks(address, 8)).contains("b11", "b12", "b13", "b14");
        assertThat(dnsStatus(lb).joined()).isEqualTo(4);
    }

    @Test
    void aNewBackendThatPassesItsFirstCheckJoinsWithoutWaitingForRise() throws Exception {
        writeHosts("web.test", 11);
        Dnsmasq dns = dnsmasq(List.of());
        // checks every hour but the first, which a joining backend gets at once; rise 5 does not apply
        HealthCheckConfig checks = new HealthCheckConfig(true, Duration.ofHours(1), Duration.ofSeconds(2), 5, 3);
        LoadBalancer lb = start(dns, "round-robin", checks, new DnsTarget("web.test", port));
        awaitApplied(lb, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> lb.backends().up().size() == 1);

        writeHosts("web.test", 11, 12);
        dns.reload();
        awaitApplied(lb, 2);
        Backend b12 = backendOn(lb, "127.0.0.12");
        await().atMost(Duration.ofSeconds(10)).until(() -> b12.state().equals("up"));
        assertThat(b12.stats().checks()).as("one check, then the hour-long interval").isEqualTo(1);
        assertThat(picks(lb.addresses().get("web"), 4)).containsExactlyInAnyOrder("b11", "b12", "b11", "b12");
    }

    @Test
    void whenTheDnsServerStopsTheLastGoodListServesOn() throws Exception {
        writeHosts("web.test", 11, 12, 13);
        Dnsmasq dns = dnsmasq(List.of());
        LoadBalancer lb = start(dns, "round-robin", new DnsTarget("web.test", port));
        awaitApplied(lb, 3);

        dns.close();
        await().atMost(Duration.ofSeconds(15)).until(() -> dnsStatus(lb).failures() >= 2);

        LbStatus.Dns status = dnsStatus(lb);
        assertThat(status.stale()).isTrue();
        assertThat(status.lastError()).startsWith("web.test:" + port + ": ");
        assertThat(status.backends()).isEqualTo(3);
        assertThat(status.removed()).isZero();
        String metrics = scrape(lb);
        assertThat(metrics).contains("nexo_lb_dns_stale{pool=\"default\"} 1.0",
                "nexo_lb_dns_failures_total{pool=\"default\"} " + status.failures() + ".0",
                "nexo_lb_dns_backends_removed_total{pool=\"default\"} 0.0");
        assertThat(picks(lb.addresses().get("web"), 6)).isIn(rotations("b11", "b12", "b13"));
    }

    @Test
    void aNameThatDoesNotResolveLeavesThePoolEmptyUntilItDoes() throws Exception {
        writeHosts("other.test", 11);
        Dnsmasq dns = dnsmasq(List.of());
        LoadBalancer lb = start(dns, "round-robin", new DnsTarget("web.test", port));
        InetSocketAddress address = lb.addresses().get("web");
        await().atMost(Duration.ofSeconds(10)).until(() -> dnsStatus(lb).failures() >= 1);
        assertThat(lb.backends().all()).isEmpty();
        try (Client c = Client.connectSilent(address)) {
            assertThat(c.socket().getInputStream().read()).as("closed at once: no backend").isEqualTo(-1);
        }

        writeHosts("web.test", 13);
        dns.reload();
        awaitApplied(lb, 1);
        assertThat(picks(address, 2)).containsExactly("b13", "b13");
    }

    @Test
    void srvWeightsAndPriorityGiveTheExactPickSequence() throws Exception {
        Files.writeString(hosts, "127.0.0.11 a.test\n127.0.0.12 b.test\n127.0.0.13 c.test\n");
        // a and b: priority 0 (primaries), weights 3 and 1; c: priority 1 (backup)
        Dnsmasq dns = dnsmasq(List.of("--srv-host=_app._tcp.test,a.test," + port + ",0,3",
                "--srv-host=_app._tcp.test,b.test," + port + ",0,1",
                "--srv-host=_app._tcp.test,c.test," + port + ",1,1"));
        LoadBalancer lb = start(dns, "weighted-round-robin", new DnsTarget("_app._tcp.test", 0));
        InetSocketAddress address = lb.addresses().get("web");
        awaitApplied(lb, 3);

        assertThat(lb.backends().all()).extracting(b -> b.address().host() + " w" + b.weight() + (b.backup() ? " backup" : ""))
                .containsExactly("127.0.0.11 w3", "127.0.0.12 w1", "127.0.0.13 w1 backup");
        // smooth weighted round-robin over {a:3, b:1}; the backup takes nothing while a primary is usable
        assertThat(picks(address, 8)).containsExactly("b11", "b11", "b12", "b11", "b11", "b11", "b12", "b11");

        // a reload of the same file keeps the DNS backends (same objects: no change at all)
        assertThat(lb.reload(declared)).isEmpty();
        assertThat(lb.backends().all()).hasSize(3);

        lb.setAdminState("default", "127.0.0.11:" + port, AdminState.DRAIN);
        lb.setAdminState("default", "127.0.0.12:" + port, AdminState.DRAIN);
        assertThat(picks(address, 2)).containsExactly("b13", "b13");
    }

    private LoadBalancer start(Dnsmasq dns, String policy, DnsTarget target) throws Exception {
        return start(dns, policy, NO_CHECKS, target);
    }

    private LoadBalancer start(Dnsmasq dns, String policy, HealthCheckConfig checks, DnsTarget target)
            throws Exception {
        PoolConfig pool = new PoolConfig(PoolConfig.FLAGS_POOL, policy, List.of(), checks, Duration.ofSeconds(2),
                Duration.ofHours(1), ProxyProtocol.NONE, BackendTlsConfig.NONE,
                new DnsConfig(List.of(target), List.of(dns.address()), INTERVAL));
        declared = config(List.of(listener("web", PoolConfig.FLAGS_POOL)), pool);
        LoadBalancer lb = new LoadBalancer(declared, 1);
        toClose.add(lb);
        lb.start();
        return lb;
    }

    private Dnsmasq dnsmasq(List<String> options) throws Exception {
        Dnsmasq dns = Dnsmasq.start(hosts, options);
        toClose.add(dns);
        return dns;
    }

    private void writeHosts(String name, int... lastOctets) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int o : lastOctets) {
            text.append("127.0.0.").append(o).append(' ').append(name).append('\n');
        }
        Files.writeString(hosts, text);
    }

    /** Waits until the pool serves {@code n} backends (the DNS answer is applied, not only received). */
    private static void awaitApplied(LoadBalancer lb, int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> lb.backends().all().size() == n);
    }

    private static String scrape(LoadBalancer lb) {
        io.nexo.core.metrics.MetricsRegistry registry = new io.nexo.core.metrics.MetricsRegistry();
        io.nexo.lb.stats.LbMetrics.register(registry, lb::status);
        return new String(registry.scrape(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Backend backendOn(LoadBalancer lb, String host) {
        return lb.backends().all().stream().filter(b -> b.address().host().equals(host)).findFirst().orElseThrow();
    }

    private static LbStatus.Dns dnsStatus(LoadBalancer lb) {
        return lb.status().pools().get(0).dns();
    }

    private static List<String> picks(InetSocketAddress address, int n) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Client.whoAnswers(address));
        }
        return out;
    }

    /** The three rotations of a b c, each twice round: a round-robin may start at any of them. */
    private static List<List<String>> rotations(String a, String b, String c) {
        return List.of(List.of(a, b, c, a, b, c), List.of(b, c, a, b, c, a), List.of(c, a, b, c, a, b));
    }
}
