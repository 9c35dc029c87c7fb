package io.nexo.lb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexo.core.metrics.MetricsRegistry;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.stats.LbMetrics;
import io.nexo.lb.stats.LbStatus;
import io.nexo.lb.testing.Closer;
import io.nexo.lb.testing.NamedBackend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code max-connections-per-ip} over real sockets: silent clients from 127.0.0.1 fill their share,
 * the next one from 127.0.0.1 is closed at once, while 127.0.0.2 (another client address) still gets in.
 */
class PerIpLimitTest {

    private static final int PER_IP = 3;

    @RegisterExtension
    final Closer closer = new Closer();

    /** A connection from {@code from}; its first line (the backend's name), or null when closed at once. */
    private record Conn(Socket socket, String greeting) {
    }

    private Conn connect(String from, InetSocketAddress to) throws IOException {
        Socket s = closer.add(new Socket());
        s.bind(new InetSocketAddress(from, 0));
        s.connect(to, 5_000);
        s.setSoTimeout(5_000);
        String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        return new Conn(s, line);
    }

    private LoadBalancer start(int maxConnections, int perIp) throws Exception {
        NamedBackend backend = closer.add(NamedBackend.start("s1"));
        PoolConfig pool = new PoolConfig("p", "round-robin", List.of(BackendConfig.of(backend.address())),
                new HealthCheckConfig(false, Duration.ofSeconds(2), Duration.ofSeconds(2), 2, 3),
                Duration.ofSeconds(2), Duration.ofMinutes(5), ProxyProtocol.NONE);
        ListenerConfig listener = new ListenerConfig("web", new HostAndPort("127.0.0.1", 0), "p", maxConnections,
                perIp);
        LoadBalancer lb = new LoadBalancer(BalancerConfig.single(listener, pool, Optional.empty(), false,
                Duration.ZERO), 1);
        closer.add(() -> lb.stop(Duration.ZERO));
        lb.start();
        return lb;
    }

    private static LbStatus.Listener web(LoadBalancer lb) {
        return lb.status().listeners().get(0);
    }

    @Test
    void oneIpCannotHoldEverySlotWhileAnotherStillConnects() throws Exception {
        LoadBalancer lb = start(5, PER_IP);
        InetSocketAddress at = lb.addresses().get("web");
        List<Conn> silent = new ArrayList<>();
        for (int i = 0; i < PER_IP; i++) {
            Conn c = connect("127.0.0.1", at);
            assertThat(c.greeting()).as("connection %d from 127.0.0.1", i + 1).isEqualTo("s1");
            silent.add(c);
        }
        Conn over = connect("127.0.0.1", at);
        assertThat(over.greeting()).as("the %d-th connection from 127.0.0.1", PER_IP + 1).isNull();

        Conn other = connect("127.0.0.2", at);
        assertThat(other.greeting()).isEqualTo("s1");

        LbStatus.Listener l = web(lb);
        assertThat(l.refusedPerIp()).isEqualTo(1);
        assertThat(l.refused()).isZero();
        assertThat(l.accepted()).isEqualTo(PER_IP + 1);
        assertThat(l.maxConnectionsPerIp()).isEqualTo(PER_IP);
        MetricsRegistry metrics = new MetricsRegistry();
        LbMetrics.register(metrics, lb::status);
        assertThat(new String(metrics.scrape(), StandardCharsets.UTF_8))
                .contains("nexo_lb_listener_refused_per_ip_total{listener=\"web\"} 1.0")
                .contains("nexo_lb_listener_refused_total{listener=\"web\"} 0.0");

        // a closed connection gives its slot back to its client
        silent.get(0).socket().close();
        await().atMost(Duration.ofSeconds(5)).until(() -> web(lb).active() == PER_IP);
        assertThat(connect("127.0.0.1", at).greeting()).isEqualTo("s1");
        assertThat(web(lb).refusedPerIp()).isEqualTo(1);
    }

    @Test
    void aClientRefusedByTheListenerLimitKeepsNoCountOfItsOwn() throws Exception {
        LoadBalancer lb = start(3, 1);
        InetSocketAddress at = lb.addresses().get("web");
        assertThat(connect("127.0.0.1", at).greeting()).isEqualTo("s1");
        assertThat(connect("127.0.0.2", at).greeting()).isEqualTo("s1");
        Conn third = connect("127.0.0.3", at);
        assertThat(third.greeting()).isEqualTo("s1");
        // listener full: 127.0.0.4 is refused by max-connections, not by its own (empty) share
        assertThat(connect("127.0.0.4", at).greeting()).isNull();
        assertThat(web(lb).refused()).isEqualTo(1);
        assertThat(web(lb).refusedPerIp()).isZero();

        third.socket().close();
        await().atMost(Duration.ofSeconds(5)).until(() -> web(lb).active() == 2);
        // had the refusal kept a count for 127.0.0.4, its limit of 1 would refuse it now
        assertThat(connect("127.0.0.4", at).greeting()).isEqualTo("s1");
        assertThat(web(lb).refusedPerIp()).isZero();
    }
}
