package io.nexo.lb.reload;

import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.listener;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.NamedBackend;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Ten reloads that add and remove backends (and a second listener) while clients keep opening short
 * connections and long ones stay open: no connection may fail, none may be refused, and every long
 * connection must still carry bytes both ways at the end, even those whose backend left the config.
 */
class ReloadUnderLoadTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void tenReloadsUnderAThousandShortAndTwentyLongConnections() throws Exception {
        run(4, 1_000, 20);
    }

    @Test
    @Tag("slow")
    void tenReloadsUnderTwentyThousandShortAndTwoHundredLongConnections() throws Exception {
        run(8, 20_000, 200);
    }

    /** The backends of reload {@code i}: three of the four, a different one left out each time. */
    private static BalancerConfig generation(int i, List<NamedBackend> backends) {
        List<io.nexo.lb.config.BackendConfig> chosen = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            chosen.add(backend(backends.get((i + k) % backends.size())));
        }
        List<ListenerConfig> listeners = i % 2 == 0 ? List.of(listener("web", "p"))
                : List.of(listener("web", "p"), listener("extra", "p"));
        return config(listeners, pool("p", i % 3 == 0 ? "round-robin" : "least-connections", chosen));
    }

    private void run(int threads, int shortConnections, int longConnections) throws Exception {
        List<NamedBackend> backends = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            NamedBackend b = NamedBackend.start("s" + i);
            toClose.add(b);
            backends.add(b);
        }
        LoadBalancer lb = new LoadBalancer(generation(0, backends), 2);
        toClose.add(lb);
        lb.start();
        InetSocketAddress web = lb.addresses().get("web");

        List<Client> longOnes = new ArrayList<>();
        for (int i = 0; i < longConnections; i++) {
            Client c = Client.connect(web);
            toClose.add(c);
            longOnes.add(c);
        }
        Set<String> namesOfLongOnes = ConcurrentHashMap.newKeySet();
        longOnes.forEach(c -> namesOfLongOnes.add(c.backend));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        try (Client c = Client.connect(web)) {
                            if (c.backend == null || !c.backend.startsWith("s")) {
                                failures.add("bad greeting: " + c.backend);
                            } else if (!c.echo("ping").equals("ping")) {
                                failures.add("bad echo from " + c.backend);
                            } else {
                                ok.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            long perGeneration = shortConnections / 11;
            for (int i = 1; i <= 10; i++) {
                long target = ok.get() + perGeneration;
                await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() >= target || !failures.isEmpty());
                lb.reload(generation(i, backends));
                for (Client c : longOnes) {
                    assertThat(c.echo("reload " + i)).isEqualTo("reload " + i);
                }
            }
            long target = Math.max(shortConnections, ok.get());
            await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() >= target || !failures.isEmpty());
        } finally {
            stop.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<?> w : workers) {
            w.get();
        }

        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThanOrEqualTo(shortConnections);
        assertThat(lb.refusedConnections()).isZero();
        for (Client c : longOnes) {
            assertThat(c.echo("after all reloads")).isEqualTo("after all reloads");
        }
        // the last generation (i = 10) is s2 s3 s0: the long connections to s1 outlived its removal
        assertThat(lb.balancerConfig().pools().get("p").backends()).extracting(b -> b.name())
                .containsExactly("s2", "s3", "s0");
        assertThat(namesOfLongOnes).contains("s0", "s1", "s2");
    }
}
