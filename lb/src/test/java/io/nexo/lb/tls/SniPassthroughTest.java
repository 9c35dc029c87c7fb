package io.nexo.lb.tls;

import static io.nexo.lb.testing.Configs.NO_CHECKS;
import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.ListenerTlsConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.stats.LbStatus;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.NamedBackend;
import io.nexo.lb.testing.TestCertificates;
import io.nexo.lb.testing.TlsPeers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SNI passthrough end to end: the balancer reads the ClientHello, never decrypts, and the client
 * talks TLS with the backend itself (it sees the backend's certificate).
 */
class SniPassthroughTest {

    @RegisterExtension
    final Closer closer = new Closer();

    private TestCertificates ca;
    private TestCertificates.Issued aCert;
    private TestCertificates.Issued bCert;
    private SSLContext client;
    private BackendConfig a;
    private BackendConfig b1;
    private BackendConfig b2;

    @BeforeEach
    void backends() throws Exception {
        ca = TestCertificates.authority("backend CA");
        aCert = ca.issue("a.example.com");
        bCert = ca.issue("*.b.example.com");
        client = ca.clientContext(null);
        a = tlsBackend("a", aCert);
        b1 = tlsBackend("b1", bCert);
        b2 = tlsBackend("b2", bCert);
    }

    private BackendConfig tlsBackend(String name, TestCertificates.Issued cert) throws Exception {
        TlsPeers.Backend backend = closer.add(new TlsPeers.Backend(name, TestCertificates.serverContext(cert)));
        return backend(name, new HostAndPort("127.0.0.1", backend.port()));
    }

    private static PoolConfig pool(String name, List<BackendConfig> backends) {
        return new PoolConfig(name, "round-robin", backends, NO_CHECKS, Duration.ofSeconds(2), Duration.ofHours(1),
                ProxyProtocol.NONE);
    }

    /** a.example.com -> pa, *.b.example.com -> pb (two backends); unknown names -> {@code fallback}. */
    private LoadBalancer start(PoolConfig fallback, Duration sniTimeout) throws Exception {
        Map<String, String> routes = new LinkedHashMap<>();
        routes.put("a.example.com", "pa");
        routes.put("*.b.example.com", "pb");
        ListenerConfig listener = new ListenerConfig("sni", new HostAndPort("127.0.0.1", 0),
                fallback == null ? null : fallback.name(), 100, ListenerTlsConfig.route(routes, sniTimeout));
        List<PoolConfig> pools = new java.util.ArrayList<>(
                List.of(pool("pa", List.of(a)), pool("pb", List.of(b1, b2))));
        if (fallback != null) {
            pools.add(fallback);
        }
        LoadBalancer lb = new LoadBalancer(config(List.of(listener), pools.toArray(new PoolConfig[0])), 1);
        closer.add(() -> lb.stop(Duration.ZERO));
        lb.start();
        return lb;
    }

    @Test
    void eachNameReachesItsPoolAndTheClientSeesTheBackendsCertificate() throws Exception {
        LoadBalancer lb = start(null, Duration.ofSeconds(5));
        InetSocketAddress address = lb.address().orElseThrow();

        TlsPeers.Seen seen = TlsPeers.connect(client, address, "a.example.com");
        assertThat(seen.greeting()).isEqualTo("a");
        assertThat(seen.certificate().getSerialNumber()).isEqualTo(aCert.serial());
        // wildcard route, round-robin inside its pool, the backend's own wildcard certificate
        for (String expected : List.of("b1", "b2", "b1")) {
            TlsPeers.Seen w = TlsPeers.connect(client, address, "x.b.example.com");
            assertThat(w.greeting()).isEqualTo(expected);
            assertThat(w.certificate().getSerialNumber()).isEqualTo(bCert.serial());
        }
        LbStatus.Tls t = lb.status().tls().get(0);
        assertThat(t.mode()).isEqualTo("sni");
        assertThat(t.sniHits()).containsEntry("a.example.com", 1L).containsEntry("*.b.example.com", 3L);
        assertThat(t.handshakes()).isEqualTo(4);
    }

    @Test
    void anUnknownNameIsClosedWithoutAFallbackAndRoutedWithOne() throws Exception {
        LoadBalancer closing = start(null, Duration.ofSeconds(5));
        for (String name : new String[] {"c.example.com", "y.x.b.example.com", "b.example.com", null}) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> TlsPeers.connect(client, closing.address().orElseThrow(), name))
                    .as("server name %s", name).isInstanceOf(IOException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
        assertThat(closing.status().tls().get(0).sniMisses()).isEqualTo(4);
        assertThat(closing.status().tls().get(0).handshakes()).isZero();

        closer.add(() -> closing.stop(Duration.ZERO));
        NamedBackend other = closer.add(NamedBackend.start("other"));
        LoadBalancer withFallback = start(pool("fallback", List.of(backend(other))), Duration.ofSeconds(5));
        // the fallback backend is plain TCP: it greets in cleartext, which is all this test needs to see
        try (Socket s = TlsPeers.open(SSLContext.getDefault(), withFallback.address().orElseThrow(), null)) {
            throw new AssertionError("a plain backend cannot complete a TLS handshake");
        } catch (IOException expected) {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(withFallback.pool("fallback").backend("other").stats().total()).isEqualTo(1));
        }
        assertThat(withFallback.status().tls().get(0).sniMisses()).isEqualTo(1);
    }

    @Test
    void aNonTlsClientAndAClientHelloThatNeverCompletesAreClosedWithinTheirBounds() throws Exception {
        Duration sniTimeout = Duration.ofMillis(500);
        LoadBalancer lb = start(null, sniTimeout);
        InetSocketAddress address = lb.address().orElseThrow();
        try (Socket s = new Socket()) {
            s.connect(address, 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(
                    "GET / HTTP/1.0\r\nHost: a.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket s = new Socket()) {
            s.connect(address, 5_000);
            s.setSoTimeout(10_000);
            // a handshake record announcing 512 bytes, of which 4 ever arrive
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc});
            long started = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took).isGreaterThanOrEqualTo(sniTimeout.minusMillis(50)).isLessThan(Duration.ofSeconds(4));
        }
        // a ClientHello longer than the bound is refused before it is buffered
        try (Socket s = new Socket()) {
            s.connect(address, 5_000);
            s.setSoTimeout(5_000);
            // one complete 256-byte record whose ClientHello announces more than the bound
            int length = TlsTerminator.MAX_CLIENT_HELLO_BYTES + 1;
            byte[] record = new byte[5 + 256];
            byte[] head = {0x16, 0x03, 0x01, 0x01, 0x00, 0x01,
                (byte) (length >> 16), (byte) (length >> 8), (byte) length};
            System.arraycopy(head, 0, record, 0, head.length);
            s.getOutputStream().write(record);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(lb.status().tls().get(0).failures())
                .containsEntry("not_tls", 1L).containsEntry("timeout", 1L).containsEntry("client_hello_too_long", 1L));
        assertThat(lb.pool("pa").backend("a").stats().total()).isZero();
    }
}
