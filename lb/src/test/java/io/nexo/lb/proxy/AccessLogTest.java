package io.nexo.lb.proxy;

import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.listener;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.Configs;
import io.nexo.lb.testing.NamedBackend;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One access log line per closed connection, with client, backend, bytes, duration and reason. */
class AccessLogTest {

    private final Logger access = (Logger) LoggerFactory.getLogger("io.nexo.lb.access");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private NamedBackend a;
    private LoadBalancer lb;

    @BeforeEach
    void start() throws Exception {
        lines.start();
        access.addAppender(lines);
        access.setLevel(ch.qos.logback.classic.Level.INFO);
        a = NamedBackend.start("a");
        BalancerConfig config = Configs.config(List.of(listener("web", "p")),
                pool("p", "round-robin", List.of(backend(a)))).withAccessLog(true);
        lb = new LoadBalancer(config, 1);
        lb.start();
    }

    @AfterEach
    void stop() throws Exception {
        lb.stop(java.time.Duration.ZERO);
        a.close();
        access.detachAppender(lines);
    }

    @Test
    void logsWhoWhereHowMuchAndWhy() throws Exception {
        InetSocketAddress web = lb.addresses().get("web");
        int clientPort;
        try (Client c = Client.connect(web)) {
            clientPort = c.socket().getLocalPort();
            assertThat(c.echo("hello")).isEqualTo("hello");
        }
        await().until(() -> !lines.list.isEmpty());

        String line = lines.list.get(0).getFormattedMessage();
        // 5 bytes in; out = greeting "a\n" (2 bytes) + echo (5 bytes)
        assertThat(line).matches("web client=127\\.0\\.0\\.1:" + clientPort
                + " backend=a in=5 out=7 duration=\\d+ms close=\"client closed\"");
    }

    @Test
    void backendThatHangsUpFirstIsTheReason() throws Exception {
        a.stop(); // closes the listening socket and open connections; the next connect fails
        InetSocketAddress web = lb.addresses().get("web");
        try (Client c = Client.connect(web)) {
            assertThat(c.backend).isNull(); // closed by the balancer: no backend
        }
        await().until(() -> !lines.list.isEmpty());
        assertThat(lines.list.get(0).getFormattedMessage())
                .matches("web client=127\\.0\\.0\\.1:\\d+ backend=- in=0 out=0 duration=\\d+ms close=\"no backend\"");
    }
}
