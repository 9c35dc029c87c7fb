package io.nexo.lb.proxy;

import io.nexo.lb.testing.Closer;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.health.HealthChecker;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.SeedBackend;
import io.nexo.lb.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Dead, slow and returning backends: the client never sees a dead one while a live one exists. */
class FailoverTest {

    @RegisterExtension
    final Closer closer = new Closer();

    private HostAndPort demoBackend(String name) throws Exception {
        return closer.add(SeedBackend.start(name)).address();
    }

    private static List<String> send(HostAndPort lb, int n) throws IOException {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(SeedBackend.request(lb, "hi").replace("Response from ", "").trim());
        }
        return servers;
    }

    @Test
    void aDeadBackendIsSkippedAndUsedAgainWhenItReturns() throws Exception {
        HostAndPort s1 = demoBackend("Server 1");
        TestBackend.ClosedPort dead = closer.add(TestBackend.ClosedPort.reserve());
        int deadPort = dead.port();
        HostAndPort s3 = demoBackend("Server 3");
        LoadBalancer lb = closer.add(Lbs.manualChecks(
                List.of(s1, new HostAndPort("127.0.0.1", deadPort), s3)).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        HealthChecker checker = lb.healthChecker().orElseThrow();

        Backend down = lb.backends().all().get(1);
        // round robin: the second pick (Server 2) fails and marks it down; the retry goes to the next
        // server in rotation order after it (Server 3, as HAProxy redispatches), and the rotation
        // continues after that one: no server gets two turns in a row
        assertThat(send(at, 6)).containsExactly("Server 1", "Server 3", "Server 1", "Server 3", "Server 1", "Server 3");
        assertThat(down.isUp()).as("marked down by the failed connect").isFalse();
        assertThat(down.stats().connectFailures()).as("tried once, then skipped while down").isEqualTo(1);
        assertThat(down.stats().total()).isZero();

        dead.close(); // frees the port for the returning server
        closer.add(SeedBackend.start("Server 2", deadPort));
        checker.checkNow().get(5, TimeUnit.SECONDS); // rise 1
        assertThat(lb.backends().all().get(1).isUp()).isTrue();
        assertThat(send(at, 3)).containsExactlyInAnyOrder("Server 1", "Server 2", "Server 3");
        assertThat(down.stats().total()).isEqualTo(1);
        assertThat(down.stats().connectFailures()).isEqualTo(1);
    }

    @Test
    void withoutHealthChecksEveryConnectionStillFailsOver() throws Exception {
        HostAndPort s1 = demoBackend("Server 1");
        HostAndPort dead = new HostAndPort("127.0.0.1", TestBackend.closedPort());
        HostAndPort s3 = demoBackend("Server 3");
        LoadBalancer lb = closer.add(Lbs.noChecks(List.of(s1, dead, s3)).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        List<String> servers = send(at, 9);
        // slots s1 | dead, s3 | s1 | dead, s3 ...: the failed pick and its retry each take a slot,
        // so the two live servers alternate and the dead one is tried on every second connection
        assertThat(servers).containsExactly("Server 1", "Server 3", "Server 1", "Server 3", "Server 1", "Server 3",
                "Server 1", "Server 3", "Server 1");
        Backend deadBackend = lb.backends().all().get(1);
        assertThat(deadBackend.isUp()).as("no passive marking without checks").isTrue();
        assertThat(deadBackend.stats().connectFailures()).as("tried on each of its turns").isEqualTo(4);
    }

    @Test
    void whenAllBackendsRefuseTheClientIsClosedAtOnce() throws Exception {
        List<HostAndPort> dead = List.of(new HostAndPort("127.0.0.1", TestBackend.closedPort()),
                new HostAndPort("127.0.0.1", TestBackend.closedPort()));
        Lbs config = Lbs.noChecks(dead).withConnectTimeout(Duration.ofSeconds(2));
        LoadBalancer lb = closer.add(config.balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        assertClosedWithin(at, config.connectTimeout());
        assertThat(lb.backends().all()).extracting(b -> b.stats().connectFailures())
                .as("each tried exactly once").containsExactly(1L, 1L);
    }

    @Test
    void whenAllBackendsAreMarkedDownTheClientIsClosedWithoutTryingThem() throws Exception {
        TestBackend dead = closer.add(TestBackend.start(s -> { }));
        LoadBalancer lb = closer.add(Lbs.manualChecks(List.of(dead.address())).balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        dead.close();
        lb.healthChecker().orElseThrow().checkNow().get(5, TimeUnit.SECONDS); // fall 1
        assertThat(lb.backends().up()).isEmpty();
        assertClosedWithin(at, Duration.ofSeconds(1));
        assertThat(lb.backends().all().get(0).stats().connectFailures()).as("not tried").isZero();
        assertThat(lb.backends().all().get(0).stats().total()).isZero();
    }

    @Test
    void aBackendThatDoesNotAnswerWithinTheConnectTimeoutIsSkipped() throws Exception {
        BlackHole hole = closer.add(BlackHole.open());
        HostAndPort live = demoBackend("Server 2");
        Lbs config = Lbs.noChecks(List.of(hole.address(), live)).withConnectTimeout(Duration.ofMillis(300));
        LoadBalancer lb = closer.add(config.balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        assertThat(send(at, 2)).containsExactly("Server 2", "Server 2");
        // each connection tried the hole first (slots 0 and 2), timed out, and moved on
        assertThat(lb.backends().all()).extracting(b -> b.stats().connectFailures()).containsExactly(2L, 0L);
    }

    @Test
    void whenTheOnlyBackendTimesOutTheClientIsClosedWithinTheConnectTimeout() throws Exception {
        BlackHole hole = closer.add(BlackHole.open());
        Lbs config = Lbs.noChecks(List.of(hole.address())).withConnectTimeout(Duration.ofMillis(500));
        LoadBalancer lb = closer.add(config.balancer());
        HostAndPort at = HostAndPort.of(lb.start());
        assertClosedWithin(at, config.connectTimeout().plusSeconds(1));
        assertThat(lb.backends().all().get(0).stats().connectFailures()).isEqualTo(1);
    }

    /**
     * The balancer must close the client gracefully (EOF, not a reset: it has nothing to tell it but
     * that there is no backend) before {@code limit} passes after the connection is accepted.
     */
    private static void assertClosedWithin(HostAndPort at, Duration limit) throws IOException {
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(at.host(), at.port()), 2000);
            client.setSoTimeout((int) limit.toMillis());
            try {
                assertThat(client.getInputStream().read()).isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the client was left hanging for " + limit.toMillis() + " ms", e);
            }
        }
    }

    /**
     * A listening port whose accept queue is full, so new connects get no answer at all (Linux drops
     * the SYN): a backend that times out rather than refuses.
     */
    static final class BlackHole implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> fillers = new ArrayList<>();

        private BlackHole(ServerSocket server) {
            this.server = server;
        }

        static BlackHole open() throws IOException {
            BlackHole h = new BlackHole(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                h.fillers.add(s);
                try {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), h.server.getLocalPort()), 200);
                } catch (SocketTimeoutException full) {
                    return h;
                }
            }
            h.close();
            throw new IllegalStateException("could not fill the accept queue of a listening socket");
        }

        HostAndPort address() {
            return new HostAndPort("127.0.0.1", server.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) {
                s.close();
            }
            server.close();
        }
    }
}
