package io.nexo.lb.tls;

import static io.nexo.lb.testing.Configs.NO_CHECKS;
import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static org.assertj.core.api.Assertions.assertThat;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendTlsConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.TestCertificates;
import io.nexo.lb.testing.TlsPeers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    }

    @Test
    void aBackendCertificateFromAnotherCaIsRefused() throws Exception {
        TestCertificates other = TestCertificates.authority("not the backend's CA");
        Path otherCa = other.writeCa(dir.resolve("other.pem"));
        LoadBalancer lb = start(new BackendTlsConfig(true, Optional.of(otherCa), false));
        assertThat(Client.whoAnswers(lb.address().orElseThrow())).as("closed without a greeting").isNull();
        assertThat(backend.serverNames).as("no backend handshake completed").isEmpty();
    }

    @Test
    void insecureAcceptsAnyCertificate() throws Exception {
        LoadBalancer lb = start(new BackendTlsConfig(true, Optional.empty(), true));
        assertThat(Client.whoAnswers(lb.address().orElseThrow())).isEqualTo("secure");
    }
}
