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
import io.nexo.lb.testing.TestBackend;
import io.nexo.lb.testing.TestCertificates;
import io.nexo.lb.testing.TestCertificates.KeyFormat;
import io.nexo.lb.testing.TlsPeers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * TLS termination end to end: real clients (openssl s_client, curl, the JDK) through a running
 * balancer to plaintext backends.
 */
class TlsTerminationTest {

    @RegisterExtension
    final Closer closer = new Closer();
    @TempDir
    Path dir;

    private TestCertificates ca;
    private Path caFile;
    private Path aFile;
    private Path bFile;

    @BeforeEach
    void certificates() throws Exception {
        ca = TestCertificates.authority("nexo test CA");
        caFile = ca.writeCa(dir.resolve("ca.pem"));
        // one PKCS#8 ECDSA, one PKCS#1 RSA: both key forms load
        aFile = TestCertificates.write(dir.resolve("a.pem"), ca.issue("a.example.com"), KeyFormat.PKCS8);
        bFile = TestCertificates.write(dir.resolve("b.pem"),
                ca.issue(false, Duration.ofDays(30), "b.example.com", "*.b.example.com"), KeyFormat.TRADITIONAL);
    }

    private ListenerTlsConfig tls(List<String> alpn, Optional<Path> clientCa) {
        return ListenerTlsConfig.terminate(List.of(aFile, bFile), alpn, "TLSv1.2", clientCa, Duration.ofSeconds(5));
    }

    private LoadBalancer start(ListenerTlsConfig tls, List<BackendConfig> backends) throws Exception {
        PoolConfig pool = new PoolConfig("p", "round-robin", backends, NO_CHECKS, Duration.ofSeconds(2),
                Duration.ofHours(1), ProxyProtocol.NONE);
        ListenerConfig listener = new ListenerConfig("tls", new HostAndPort("127.0.0.1", 0), "p", 100, tls);
        LoadBalancer lb = new LoadBalancer(config(List.of(listener), pool), 1);
        closer.add(() -> lb.stop(Duration.ZERO));
        lb.start();
        return lb;
    }

    private BackendConfig named(String name) throws IOException {
        return backend(closer.add(NamedBackend.start(name)));
    }

    private static String openssl(int port, String serverName) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", serverName).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void opensslSeesTheCertificateForTheNameItAsksFor() throws Exception {
        LoadBalancer lb = start(tls(List.of(), Optional.empty()), List.of(named("one")));
        int port = lb.address().orElseThrow().getPort();
        assertThat(openssl(port, "a.example.com")).containsPattern("subject=\\s*CN\\s*=\\s*a\\.example\\.com\\b");
        assertThat(openssl(port, "b.example.com")).containsPattern("subject=\\s*CN\\s*=\\s*b\\.example\\.com\\b");
        // a wildcard name as browsers match it: one label only
        assertThat(openssl(port, "x.b.example.com")).containsPattern("subject=\\s*CN\\s*=\\s*b\\.example\\.com\\b");
        // unknown names get the first certificate
        assertThat(openssl(port, "y.x.b.example.com")).containsPattern("subject=\\s*CN\\s*=\\s*a\\.example\\.com\\b");

        LbStatus.Tls t = lb.status().tls().get(0);
        assertThat(t.mode()).isEqualTo("terminate");
        assertThat(t.handshakes()).isEqualTo(4);
        assertThat(t.sniHits()).containsEntry("a.example.com", 1L).containsEntry("b.example.com", 1L)
                .containsEntry("*.b.example.com", 1L);
        assertThat(t.sniMisses()).isEqualTo(1);
        assertThat(t.certificates()).extracting(LbStatus.Certificate::file)
                .containsExactly(aFile.toString(), bFile.toString());
        assertThat(t.certificates().get(0).daysUntilExpiry()).isBetween(89.9, 90.0);
        assertThat(t.certificates().get(1).daysUntilExpiry()).isBetween(29.9, 30.0);
    }

    @Test
    void curlThroughTerminationGetsEachOfThreeBackendsInTurn() throws Exception {
        List<BackendConfig> backends = new ArrayList<>();
        for (String name : List.of("1", "2", "3")) {
            TestBackend http = closer.add(TestBackend.start(s -> answerHttp(s, name)));
            backends.add(backend(name, http.address()));
        }
        LoadBalancer lb = start(tls(List.of("h2", "http/1.1"), Optional.empty()), backends);
        int port = lb.address().orElseThrow().getPort();
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--http1.1", "--max-time", "20",
                "--cacert", caFile.toString(), "--resolve", "a.example.com:" + port + ":127.0.0.1"));
        for (int i = 0; i < 6; i++) {
            command.add("https://a.example.com:" + port + "/");
        }
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("1\n2\n3\n1\n2\n3\n");
        assertThat(curl.exitValue()).isZero();
    }

    private static void answerHttp(Socket s, String name) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && head.length() < 8192) {
            head.append((char) b);
            if (head.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n" + name + "\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    @Test
    void alpnOffersTheConfiguredProtocolsInOrder() throws Exception {
        LoadBalancer lb = start(tls(List.of("h2", "http/1.1"), Optional.empty()), List.of(named("one")));
        InetSocketAddress address = lb.address().orElseThrow();
        SSLContext client = ca.clientContext(null);
        assertThat(TlsPeers.connect(client, address, "a.example.com", "http/1.1", "h2").alpn()).isEqualTo("h2");
        assertThat(TlsPeers.connect(client, address, "a.example.com", "http/1.1").alpn()).isEqualTo("http/1.1");
    }

    @Test
    void sixtyFourMebibytesBothWaysArriveIntact() throws Exception {
        int size = 64 << 20;
        AtomicReference<String> backendSaw = new AtomicReference<>();
        TestBackend echo = closer.add(TestBackend.start(s -> {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            InputStream in = new DigestInputStream(s.getInputStream(), sha);
            in.transferTo(s.getOutputStream());
            backendSaw.set(HexFormat.of().formatHex(sha.digest()));
        }));
        LoadBalancer lb = start(tls(List.of(), Optional.empty()), List.of(backend("echo", echo.address())));
        try (SSLSocket s = TlsPeers.open(ca.clientContext(null), lb.address().orElseThrow(), "a.example.com")) {
            s.setSoTimeout(60_000);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    Random random = new Random(42);
                    byte[] chunk = new byte[64 * 1024];
                    for (int n = 0; n < size; n += chunk.length) {
                        random.nextBytes(chunk);
                        sent.update(chunk);
                        out.write(chunk);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            InputStream in = s.getInputStream();
            while (total < size) {
                int n = in.read(buf);
                assertThat(n).as("bytes echoed before the end").isPositive();
                received.update(buf, 0, n);
                total += n;
            }
            writer.get(60, TimeUnit.SECONDS);
            String sentHex = HexFormat.of().formatHex(sent.digest());
            assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(sentHex);
            s.close();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(backendSaw.get()).isEqualTo(sentHex));
        }
    }

    @Test
    void aClientCertificateIsRequiredAndVerified() throws Exception {
        LoadBalancer lb = start(tls(List.of(), Optional.of(caFile)), List.of(named("one")));
        InetSocketAddress address = lb.address().orElseThrow();
        TestCertificates.Issued good = ca.issue("client.example.com");
        assertThat(TlsPeers.connect(ca.clientContext(good), address, "a.example.com").greeting()).isEqualTo("one");

        TestCertificates stranger = TestCertificates.authority("another CA");
        SSLContext noCertificate = ca.clientContext(null);
        // trusts the server's CA, presents a certificate another CA issued
        SSLContext wrongIssuerTrusting = ca.clientContext(stranger.issue("client.example.com"));
        for (SSLContext client : List.of(noCertificate, wrongIssuerTrusting)) {
            assertThatThrownBy(() -> {
                TlsPeers.Seen seen = TlsPeers.connect(client, address, "a.example.com");
                // TLS 1.3: the client may finish before the server refuses; then it reads no greeting
                if (seen.greeting() == null) {
                    throw new IOException("closed without a greeting");
                }
            }).isInstanceOf(IOException.class);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(lb.status().tls().get(0).failures()).containsEntry("certificate", 2L));
        assertThat(lb.status().tls().get(0).handshakes()).isEqualTo(1);
        assertThat(lb.pool("p").backend("one").stats().total()).as("no backend connection for refused clients")
                .isEqualTo(1);
    }

    @Test
    void aNonTlsClientIsClosedAndCounted() throws Exception {
        LoadBalancer lb = start(tls(List.of(), Optional.empty()), List.of(named("one")));
        try (Socket s = new Socket()) {
            s.connect(lb.address().orElseThrow(), 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] rest = s.getInputStream().readAllBytes();
            assertThat(new String(rest, StandardCharsets.ISO_8859_1)).doesNotContain("one");
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(lb.status().tls().get(0).failures().get("not_tls")).isEqualTo(1L));
        assertThat(lb.pool("p").backend("one").stats().total()).isZero();
    }
}
