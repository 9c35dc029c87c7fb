package io.nexo.lb.tls;

import static io.nexo.lb.testing.Configs.NO_CHECKS;
import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.admin.LbController;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.ListenerTlsConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.NamedBackend;
import io.nexo.lb.testing.TestCertificates;
import io.nexo.lb.testing.TestCertificates.KeyFormat;
import io.nexo.lb.testing.TlsPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Certificates reload for new connections while clients keep connecting: none fails, open ones keep
 * their session, and a bad file leaves the certificates in service as they were.
 */
class CertificateReloadTest {

    @RegisterExtension
    final Closer closer = new Closer();
    @TempDir
    Path dir;

    @Test
    void reloadUnderLoadFailsNoConnectionAndABadFileIsRefusedWhole() throws Exception {
        TestCertificates ca = TestCertificates.authority("reload CA");
        Path certFile = TestCertificates.write(dir.resolve("site.pem"), ca.issue("site.example.com"), KeyFormat.PKCS8);
        NamedBackend one = closer.add(NamedBackend.start("one"));
        PoolConfig pool = new PoolConfig("p", "round-robin", List.of(backend(one)), NO_CHECKS, Duration.ofSeconds(2),
                Duration.ofHours(1), ProxyProtocol.NONE);
        ListenerConfig listener = new ListenerConfig("tls", new HostAndPort("127.0.0.1", 0), "p", 1000,
                ListenerTlsConfig.terminate(List.of(certFile), List.of(), "TLSv1.2", Optional.empty(),
                        Duration.ofSeconds(5)));
        LoadBalancer lb = new LoadBalancer(config(List.of(listener), pool), 1);
        closer.add(() -> lb.stop(Duration.ZERO));
        lb.start();
        InetSocketAddress address = lb.address().orElseThrow();
        SSLContext client = ca.clientContext(null);
        // started from flags: reload (SIGHUP, POST /api/reload) re-reads the certificate files
        LbController controller = new LbController(lb, Optional.empty());

        // a connection open across every reload keeps working
        SSLSocket longLived = closer.add(TlsPeers.open(client, address, "site.example.com"));
        assertThat(TlsPeers.readLine(longLived.getInputStream())).isEqualTo("one");

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<BigInteger> lastSerial = new AtomicReference<>();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clients.add(CompletableFuture.runAsync(() -> {
                while (running.get()) {
                    try {
                        TlsPeers.Seen seen = TlsPeers.connect(client, address, "site.example.com");
                        if (!"one".equals(seen.greeting())) {
                            throw new IllegalStateException("greeting " + seen.greeting());
                        }
                        lastSerial.set(seen.certificate().getSerialNumber());
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        BigInteger serial = null;
        for (int round = 0; round < 4; round++) {
            TestCertificates.Issued next = ca.issue("site.example.com");
            TestCertificates.write(certFile, next, round % 2 == 0 ? KeyFormat.TRADITIONAL : KeyFormat.PKCS8);
            assertThat(controller.reload()).containsExactly("listener tls: certificates reloaded (1 file(s))");
            int before = ok.get();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    next.serial().equals(lastSerial.get()) && ok.get() > before + 3);
            serial = next.serial();
        }
        // a half-written file: refused whole, the last good certificate stays in service
        Files.writeString(certFile, Files.readString(certFile).substring(0, 200));
        assertThatThrownBy(controller::reload).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(certFile.toString());
        int before = ok.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > before + 5);
        running.set(false);
        CompletableFuture.allOf(clients.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);

        assertThat(lastSerial.get()).isEqualTo(serial);
        assertThat(failed.get()).as("failed connections during reloads").isZero();
        assertThat(ok.get()).isGreaterThan(20);
        longLived.getOutputStream().write("still here\n".getBytes());
        longLived.getOutputStream().flush();
        assertThat(TlsPeers.readLine(longLived.getInputStream())).isEqualTo("still here");
    }

    @Test
    void aChangedFileOnDiskIsNoticedByTheWatcher() throws Exception {
        TestCertificates ca = TestCertificates.authority("watch CA");
        Path certFile = TestCertificates.write(dir.resolve("w.pem"), ca.issue("w.example.com"), KeyFormat.PKCS8);
        AtomicInteger reloads = new AtomicInteger();
        CertificateWatcher watcher = new CertificateWatcher(() -> List.of(certFile), reloads::incrementAndGet);
        assertThat(watcher.check()).isFalse();
        TestCertificates.write(certFile, ca.issue("w.example.com"), KeyFormat.PKCS8);
        assertThat(watcher.check()).isTrue();
        assertThat(watcher.check()).isFalse();
        Files.delete(certFile);
        assertThat(watcher.check()).as("a vanished file is a change").isTrue();
        assertThat(reloads.get()).isEqualTo(2);

        AtomicInteger failing = new AtomicInteger();
        CertificateWatcher refusing = new CertificateWatcher(() -> List.of(certFile), () -> {
            failing.incrementAndGet();
            throw new IllegalArgumentException("bad file");
        });
        TestCertificates.write(certFile, ca.issue("w.example.com"), KeyFormat.PKCS8);
        assertThat(refusing.check()).isTrue();
        assertThat(refusing.check()).as("not retried until the file changes again").isFalse();
        assertThat(failing.get()).isEqualTo(1);
    }
}
