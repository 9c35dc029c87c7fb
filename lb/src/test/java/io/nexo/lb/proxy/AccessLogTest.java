package io.nexo.lb.proxy;

import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.Configs;
import io.nexo.lb.testing.NamedBackend;
import io.nexo.lb.testing.TestBackend;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * One access log line per closed connection, with client, backend, bytes, duration and the reason
 * it ended: each reason the balancer records is produced by the situation it names. The access log
 * line is the connection record itself (what users parse), so it is the oracle here.
 */
class AccessLogTest {

    private static final Pattern LINE = Pattern.compile("web client=127\\.0\\.0\\.1:(\\d+) backend=(\\S+) "
            + "in=(\\d+) out=(\\d+) duration=(\\d+)ms close=\"([^\"]*)\"");

    private final Logger access = (Logger) LoggerFactory.getLogger("io.nexo.lb.access");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LoadBalancer lb;

    @BeforeEach
    void capture() {
        lines.start();
        access.addAppender(lines);
        access.setLevel(ch.qos.logback.classic.Level.INFO);
    }

    @AfterEach
    void stop() throws Exception {
        if (lb != null) {
            lb.stop(Duration.ZERO);
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
        access.detachAppender(lines);
    }

    private InetSocketAddress start(BackendConfig backend, Duration idleTimeout) throws Exception {
        PoolConfig pool = new PoolConfig("p", "round-robin", List.of(backend), Configs.MANUAL_CHECKS,
                Duration.ofSeconds(2), idleTimeout, ProxyProtocol.NONE);
        BalancerConfig config = Configs.config(List.of(listener("web", "p")), pool).withAccessLog(true);
        lb = new LoadBalancer(config, 1);
        lb.start();
        return lb.addresses().get("web");
    }

    /** The one access log line, parsed (the balancer writes it once the connection is closed). */
    private Matcher onlyLine() {
        await().atMost(Duration.ofSeconds(5)).until(() -> !lines.list.isEmpty());
        assertThat(lines.list).hasSize(1);
        String line = lines.list.get(0).getFormattedMessage();
        Matcher m = LINE.matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        return m;
    }

    @Test
    void aClientThatClosesFirstIsLoggedWithWhoWhereAndHowMuch() throws Exception {
        NamedBackend a = NamedBackend.start("a");
        toClose.add(a);
        InetSocketAddress web = start(backend(a), Duration.ofHours(1));
        int clientPort;
        try (Client c = Client.connect(web)) {
            clientPort = c.socket().getLocalPort();
            assertThat(c.echo("hello")).isEqualTo("hello");
        }
        Matcher m = onlyLine();
        assertThat(m.group(1)).isEqualTo(String.valueOf(clientPort));
        assertThat(m.group(2)).isEqualTo("a");
        assertThat(m.group(3)).isEqualTo("5");   // "hello"
        assertThat(m.group(4)).isEqualTo("7");   // greeting "a\n" + the echo
        assertThat(m.group(6)).isEqualTo("client closed");
    }

    @Test
    void aBackendThatHangsUpFirstIsTheReason() throws Exception {
        // says its name and hangs up at once, while the client still has its side open
        TestBackend b = TestBackend.start(s -> {
            OutputStream out = s.getOutputStream();
            out.write("b\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        });
        toClose.add(b);
        InetSocketAddress web = start(backend("b", b.address()), Duration.ofHours(1));
        try (Client c = Client.connect(web)) {
            assertThat(c.backend).isEqualTo("b");
            assertThat(c.socket().getInputStream().read()).isEqualTo(-1); // the backend's FIN, passed on
        }
        Matcher m = onlyLine();
        assertThat(m.group(2)).isEqualTo("b");
        assertThat(m.group(3)).isEqualTo("0");
        assertThat(m.group(4)).isEqualTo("2");
        assertThat(m.group(6)).isEqualTo("backend closed");
    }

    @Test
    void aClientWithNoBackendToReachIsLoggedAsNoBackend() throws Exception {
        InetSocketAddress web = start(backend("gone", new io.nexo.core.net.HostAndPort("127.0.0.1",
                TestBackend.closedPort())), Duration.ofHours(1));
        try (Client c = Client.connect(web)) {
            assertThat(c.backend).isNull(); // closed by the balancer before any byte
        }
        Matcher m = onlyLine();
        assertThat(m.group(2)).isEqualTo("-");
        assertThat(m.group(3) + " " + m.group(4)).isEqualTo("0 0");
        assertThat(m.group(6)).isEqualTo("no backend");
    }

    @Test
    void aConnectionQuietForTheIdleTimeoutIsClosedAndLoggedAsIdle() throws Exception {
        NamedBackend a = NamedBackend.start("a");
        toClose.add(a);
        Duration idle = Duration.ofMillis(300);
        InetSocketAddress web = start(backend(a), idle);
        try (Client c = Client.connect(web)) {
            assertThat(c.backend).isEqualTo("a");
            // neither side says anything more: the balancer closes both
            assertThat(c.socket().getInputStream().read()).isEqualTo(-1);
        }
        Matcher m = onlyLine();
        assertThat(m.group(2)).isEqualTo("a");
        assertThat(m.group(6)).isEqualTo("idle timeout");
        assertThat(Long.parseLong(m.group(5))).isGreaterThanOrEqualTo(idle.toMillis());
    }
}
