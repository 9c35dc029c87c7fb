package io.nexo.lb.tls;

import static io.nexo.lb.testing.Configs.NO_CHECKS;
import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexo.core.metrics.MetricsRegistry;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendTlsConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.stats.LbMetrics;
import io.nexo.lb.stats.LbStatus;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.TestCertificates;
import io.nexo.lb.testing.TlsPeers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code backend-tls}: plaintext clients, TLS to the backends, verified (or not) and with SNI. */
class BackendTlsTest {

    @RegisterExtension
    final Closer closer = new Closer();
    @TempDir
    Path dir;

    private TestCertificates ca;
    private TlsPeers.Backend backend;

    @BeforeEach
    void tlsBackend() throws Exception {
        ca = TestCertificates.authority("backend CA");
        backend = closer.add(new TlsPeers.Backend("secure", TestCertificates.serverContext(ca.issue("localhost"))));
    }

    private LoadBalancer start(BackendTlsConfig tls) throws Exception {
        PoolConfig pool = new PoolConfig("p", "round-robin",
                List.of(backend("secure", new HostAndPort("localhost", backend.port()))), NO_CHECKS,
                Duration.ofSeconds(2), Duration.ofHours(1), ProxyProtocol.NONE, tls);
        LoadBalancer lb = new LoadBalancer(config(List.of(listener("plain", "p")), pool), 1);
        closer.add(() -> lb.stop(Duration.ZERO));
        lb.start();
        return lb;
    }

    @Test
    void verifiedAgainstTheBackendCaWithTheBackendsNameAsSni() throws Exception {
        LoadBalancer lb = start(new BackendTlsConfig(true, Optional.of(ca.writeCa(dir.resolve("ca.pem"))), false));
        try (Client c = Client.connect(lb.address().orElseThrow())) {
            assertThat(c.backend).isEqualTo("secure");
            assertThat(c.echo("hello over TLS")).isEqualTo("hello over TLS");
        }
        assertThat(backend.serverNames).containsExactly("localhost");
        assertThat(backendTls(lb)).isEqualTo(new LbStatus.BackendTls(1, failures(Map.of())));
    }

    @Test
    void aBackendCertificateFromAnotherCaIsRefused() throws Exception {
        TestCertificates other = TestCertificates.authority("not the backend's CA");
        Path otherCa = other.writeCa(dir.resolve("other.pem"));
        LoadBalancer lb = start(new BackendTlsConfig(true, Optional.of(otherCa), false));
        assertThat(Client.whoAnswers(lb.address().orElseThrow())).as("closed without a greeting").isNull();
        assertThat(backend.serverNames).as("no backend handshake completed").isEmpty();
        // the pool's TLS towards its backends says why: one failure, an untrusted certificate
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(backendTls(lb))
                .isEqualTo(new LbStatus.BackendTls(0, failures(Map.of("certificate", 1L)))));
        MetricsRegistry registry = new MetricsRegistry();
        LbMetrics.register(registry, lb::status);
        assertThat(new String(registry.scrape(), StandardCharsets.UTF_8)).contains(
                "nexo_lb_tls_handshake_failures_total{pool=\"p\",reason=\"certificate\"} 1.0\n",
                "nexo_lb_tls_handshake_failures_total{pool=\"p\",reason=\"protocol\"} 0.0\n",
                "nexo_lb_tls_handshakes_total{pool=\"p\"} 0.0\n");
    }

    @Test
    void aTrustedCertificateForAnotherNameIsRefusedAndCounted() throws Exception {
        TlsPeers.Backend misnamed = closer.add(new TlsPeers.Backend("misnamed",
                TestCertificates.serverContext(ca.issue("db.example.com"))));
        PoolConfig pool = new PoolConfig("p", "round-robin",
                List.of(backend("misnamed", new HostAndPort("localhost", misnamed.port()))), NO_CHECKS,
                Duration.ofSeconds(2), Duration.ofHours(1), ProxyProtocol.NONE,
                new BackendTlsConfig(true, Optional.of(ca.writeCa(dir.resolve("ca.pem"))), false));
        LoadBalancer lb = new LoadBalancer(config(List.of(listener("plain", "p")), pool), 1);
        closer.add(() -> lb.stop(Duration.ZERO));
        lb.start();

        assertThat(Client.whoAnswers(lb.address().orElseThrow())).isNull();
        assertThat(Client.whoAnswers(lb.address().orElseThrow())).isNull();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(backendTls(lb))
                .isEqualTo(new LbStatus.BackendTls(0, failures(Map.of("certificate", 2L)))));
    }

    @Test
    void insecureAcceptsAnyCertificate() throws Exception {
        LoadBalancer lb = start(new BackendTlsConfig(true, Optional.empty(), true));
        assertThat(Client.whoAnswers(lb.address().orElseThrow())).isEqualTo("secure");
        assertThat(backendTls(lb).handshakes()).isEqualTo(1);
    }

    @Test
    void withoutBackendTlsThePoolHasNoBackendTlsStatus() throws Exception {
        LoadBalancer lb = start(BackendTlsConfig.NONE);
        assertThat(lb.status().pools().get(0).backendTls()).isNull();
    }

    private static LbStatus.BackendTls backendTls(LoadBalancer lb) {
        return lb.status().pools().get(0).backendTls();
    }

    /** Every reason at 0 but those given. */
    private static Map<String, Long> failures(Map<String, Long> nonZero) {
        Map<String, Long> all = new java.util.LinkedHashMap<>();
        for (TlsStats.Failure f : TlsStats.Failure.values()) {
            all.put(f.label(), nonZero.getOrDefault(f.label(), 0L));
        }
        return all;
    }
}
