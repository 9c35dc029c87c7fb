package io.nexo.lb.health;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.testing.Pools;
import io.nexo.lb.testing.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class HealthCheckerTest {

    private EventLoopGroup group;

    @BeforeEach
    void setUp() {
        group = Transport.best().newEventLoopGroup(1, "test-health");
    }

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void takesAStoppedBackendDownAfterFallChecksAndBackUpAfterRiseChecks() throws Exception {
        TestBackend server = TestBackend.start(s -> { });
        int port = server.port();
        BackendPool pool = Pools.single(new HostAndPort("127.0.0.1", port), 2, 3);
        Backend backend = pool.all().get(0);
        try (HealthChecker checker = new HealthChecker(pool, group.next(), Transport.best().socketChannelClass(),
                Duration.ofHours(1), Duration.ofSeconds(2))) {
            checker.checkNow().get(5, TimeUnit.SECONDS);
            assertThat(backend.isUp()).isTrue();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.accepted() == 1);

            server.close();
            checker.checkNow().get(5, TimeUnit.SECONDS);
            checker.checkNow().get(5, TimeUnit.SECONDS);
            assertThat(backend.isUp()).as("after 2 of fall 3").isTrue();
            checker.checkNow().get(5, TimeUnit.SECONDS);
            assertThat(backend.isUp()).as("after 3 of fall 3").isFalse();
            assertThat(pool.pick(null, e -> true)).isNull();

            try (TestBackend again = TestBackend.start(port, s -> { })) {
                checker.checkNow().get(5, TimeUnit.SECONDS);
                assertThat(backend.isUp()).as("after 1 of rise 2").isFalse();
                checker.checkNow().get(5, TimeUnit.SECONDS);
                assertThat(backend.isUp()).as("after 2 of rise 2").isTrue();
                assertThat(pool.pick(null, e -> true)).isSameAs(backend);
            }
        } finally {
            server.close();
        }
    }

    @Test
    void checksRunOnTheirOwnEveryInterval() throws Exception {
        int port = TestBackend.closedPort();
        BackendPool pool = Pools.single(new HostAndPort("127.0.0.1", port), 1, 2);
        try (HealthChecker checker = new HealthChecker(pool, group.next(), Transport.best().socketChannelClass(),
                Duration.ofMillis(50), Duration.ofSeconds(1))) {
            checker.start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> !pool.all().get(0).isUp());
        }
    }
}
