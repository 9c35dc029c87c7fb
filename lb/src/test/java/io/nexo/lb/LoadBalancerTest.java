package io.nexo.lb;

import io.nexo.lb.testing.Closer;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.SeedBackend;
import io.nexo.lb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LoadBalancerTest {

    @RegisterExtension
    final Closer closer = new Closer();

    private HostAndPort startLb(Lbs config) throws ListenException {
        LoadBalancer lb = closer.add(config.balancer());
        return HostAndPort.of(lb.start());
    }

    /** A backend that echoes every byte until the client closes. */
    private static void echo(Socket s) throws IOException {
        s.getInputStream().transferTo(s.getOutputStream());
    }

    @Test
    void seedScenarioSixRequestsGoToServers123123() throws Exception {
        List<HostAndPort> backends = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            backends.add(closer.add(SeedBackend.start("Server " + i)).address());
        }
        HostAndPort lb = startLb(Lbs.defaults(backends));
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(SeedBackend.request(lb, "Hello Load Balancer"));
        }
        assertThat(answers).containsExactly("Response from Server 1\n", "Response from Server 2\n",
                "Response from Server 3\n", "Response from Server 1\n", "Response from Server 2\n",
                "Response from Server 3\n");
    }

    @Test
    void concurrentClientsAreSpreadExactlyEvenly() throws Exception {
        List<HostAndPort> backends = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            backends.add(closer.add(SeedBackend.start("Server " + i)).address());
        }
        LoadBalancer lb = closer.add(Lbs.defaults(backends)
                .withIoThreads(2).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(24);
        java.util.Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                done.add(pool.submit(() -> {
                    counts.merge(SeedBackend.request(at, "hi").trim(), 1, Integer::sum);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(counts).containsOnly(java.util.Map.entry("Response from Server 1", 100),
                java.util.Map.entry("Response from Server 2", 100), java.util.Map.entry("Response from Server 3", 100));
    }

    @Test
    void aListenAddressInUseFailsStartAndLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.Set<Thread> before = ioThreads(); // other tests' balancers may still be winding down
            LoadBalancer lb = Lbs.noChecks(List.of(new HostAndPort("127.0.0.1", 1)))
                    .withListen(new HostAndPort("127.0.0.1", taken.getLocalPort())).balancer();
            assertThatThrownBy(lb::start)
                    .isInstanceOf(ListenException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .hasMessageContaining("in use");
            assertThat(lb.address()).isEmpty();
            // the group's termination future completes just before its threads have exited
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(ioThreads()).as("event loop threads left by the failed start").isSubsetOf(before));
        }
    }

    private static java.util.Set<Thread> ioThreads() {
        java.util.Set<Thread> threads = new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf(t -> !t.getName().startsWith("nexo-lb-io") || !t.isAlive());
        return threads;
    }

    @Test
    void anUnresolvableBackendIsRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> Lbs.noChecks(List.of(new HostAndPort("no-such-host.invalid", 80))).balancer())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-host.invalid");
    }

    @Test
    void connectionsAboveTheLimitAreClosedAtOnceAndCounted() throws Exception {
        TestBackend backend = closer.add(TestBackend.start(LoadBalancerTest::echo));
        LoadBalancer lb = closer.add(Lbs.noChecks(List.of(backend.address())).withMaxConnections(1).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        try (Socket first = connect(at); Socket second = connect(at)) {
            assertEcho(first, "one");
            second.setSoTimeout(5000);
            assertThat(second.getInputStream().read()).isEqualTo(-1);
            assertThat(lb.refusedConnections()).isEqualTo(1);
            assertEcho(first, "still served");
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        TestBackend backend = closer.add(TestBackend.start(LoadBalancerTest::echo));
        LoadBalancer lb = closer.add(Lbs.noChecks(List.of(backend.address()))
                .withIdleTimeout(Duration.ofMillis(300)).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        try (Socket client = connect(at)) {
            assertEcho(client, "hello");
            client.setSoTimeout(10_000); // far above the idle timeout: a read that ends is the balancer's close
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.openConnections() == 0);
    }

    @Test
    void stopDrainsOpenConnectionsAndRefusesNewOnes() throws Exception {
        TestBackend backend = closer.add(TestBackend.start(LoadBalancerTest::echo));
        LoadBalancer lb = closer.add(Lbs.noChecks(List.of(backend.address())).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        try (Socket client = connect(at)) {
            assertEcho(client, "before stop");
            CompletableFuture<Integer> stopped = CompletableFuture.supplyAsync(() -> lb.stop(Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(5)).until(() -> lb.address().isEmpty());
            assertThatThrownBy(() -> connect(at)).isInstanceOf(ConnectException.class);
            assertEcho(client, "while draining");
            assertThat(stopped).isNotDone();
            client.shutdownOutput();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
            assertThat(stopped.get(10, TimeUnit.SECONDS)).isZero(); // nothing had to be cut
        }
    }

    @Test
    void stopClosesWhatIsStillOpenWhenTheDrainTimeRunsOut() throws Exception {
        TestBackend backend = closer.add(TestBackend.start(LoadBalancerTest::echo));
        LoadBalancer lb = closer.add(Lbs.noChecks(List.of(backend.address())).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        try (Socket client = connect(at)) {
            assertEcho(client, "hello");
            assertThat(lb.stop(Duration.ofMillis(200))).isEqualTo(1);
            client.setSoTimeout(5000);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    static Socket connect(HostAndPort at) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(at.host(), at.port()), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    static void assertEcho(Socket s, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(sent);
        out.flush();
        InputStream in = s.getInputStream();
        byte[] got = in.readNBytes(sent.length);
        assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo(text);
    }
}
