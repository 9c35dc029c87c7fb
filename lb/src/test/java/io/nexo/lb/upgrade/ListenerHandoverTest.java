package io.nexo.lb.upgrade;

import static io.nexo.lb.testing.Configs.backend;
import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.testing.Client;
import io.nexo.lb.testing.NamedBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-overs between two balancers in one JVM: the listening socket passes over a real UNIX socket
 * (SCM_RIGHTS) exactly as between two processes; {@code LbUpgradeProcessTest} in the cli module does
 * it with real processes.
 */
class ListenerHandoverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Path dir;
    private Path socket;
    private NamedBackend backend;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Epoll.isAvailable(), "hand-over needs the epoll transport");
        // a short path under /tmp: a UNIX socket path holds at most 107 bytes; created with mode 0700
        dir = Files.createTempDirectory(Path.of("/tmp"), "nexo-ho");
        socket = dir.resolve("lb.sock");
        backend = NamedBackend.start("s0");
        toClose.add(backend);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (dir != null) {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private BalancerConfig listeningOn(int port) {
        ListenerConfig web = new ListenerConfig("web", new HostAndPort("127.0.0.1", port), "p",
                ListenerConfig.DEFAULT_MAX_CONNECTIONS);
        return config(List.of(web), pool("p", "round-robin", List.of(backend(backend))));
    }

    private LoadBalancer newLb(int port) {
        LoadBalancer lb = new LoadBalancer(listeningOn(port), 1, Transport.named("epoll"), PooledByteBufAllocator.DEFAULT);
        toClose.add(lb);
        return lb;
    }

    /** A balancer generation: the balancer and the latch its successor's DRAIN releases. */
    private record Generation(LoadBalancer lb, ListenerHandover handover, CountDownLatch drain) {
    }

    private Generation expose(LoadBalancer lb) throws IOException {
        CountDownLatch drain = new CountDownLatch(1);
        ListenerHandover handover = ListenerHandover.start(socket, TIMEOUT, lb::listenerChannels, drain::countDown);
        toClose.add(handover);
        return new Generation(lb, handover, drain);
    }

    /** The next generation takes over from {@code old}, which is told to drain (not yet stopped). */
    private Generation takeOver(Generation old, int port) throws Exception {
        LoadBalancer next = newLb(port);
        try (ListenerTakeover takeover = ListenerTakeover.from(socket, TIMEOUT)) {
            InheritedListeners inherited = takeover.fetch();
            assertThat(inherited.size()).isEqualTo(1);
            next.start(inherited);
            assertThat(inherited.size()).isZero();
            takeover.drainOld();
        }
        assertThat(old.drain.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(socket).doesNotExist(); // the old process let go of the path before confirming
        return expose(next);
    }

    private static long accepted(LoadBalancer lb) {
        return lb.status().listeners().get(0).accepted();
    }

    @Test
    void tenHandOversUnderLoadFailNoConnectionAndEachIsAcceptedExactlyOnce() throws Exception {
        LoadBalancer first = newLb(0);
        int port = first.start().getPort();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        List<Generation> generations = new ArrayList<>(List.of(expose(first)));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < 3; t++) {
                workers.add(clients.submit(() -> {
                    while (!stop.get()) {
                        try (Client c = Client.connect(address)) {
                            if (!"s0".equals(c.backend) || !c.echo("ping").equals("ping")) {
                                failures.add("bad answer: " + c.backend);
                            } else {
                                ok.incrementAndGet();
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            for (int i = 1; i <= 10; i++) {
                long target = ok.get() + 50;
                await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= target || !failures.isEmpty());
                Generation old = generations.get(generations.size() - 1);
                generations.add(takeOver(old, port));
                assertThat(old.lb.stop(Duration.ofSeconds(10))).as("forced closes at drain").isZero();
            }
            long target = ok.get() + 50;
            await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= target || !failures.isEmpty());
        } finally {
            stop.set(true);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<?> w : workers) {
            w.get();
        }
        assertThat(failures).isEmpty();
        // every connection was accepted by exactly one generation, and each generation served
        long sum = generations.stream().mapToLong(g -> accepted(g.lb)).sum();
        assertThat(sum).isEqualTo(ok.get());
        assertThat(generations).hasSize(11).allSatisfy(g -> assertThat(accepted(g.lb)).isPositive());
    }

    @Test
    void theOldBalancerDrainsAConnectionOpenedBeforeTheHandOverWhileTheNewOneAccepts() throws Exception {
        LoadBalancer old = newLb(0);
        int port = old.start().getPort();
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        Generation first = expose(old);
        Client longLived = Client.connect(address);
        toClose.add(longLived);
        assertThat(longLived.echo("before")).isEqualTo("before");

        Generation second = takeOver(first, port);
        CompletableFuture<Integer> stopped = CompletableFuture.supplyAsync(() -> old.stop(Duration.ofSeconds(30)));
        await().atMost(Duration.ofSeconds(10)).until(() -> old.address().isEmpty()); // no longer accepting
        assertThat(stopped).isNotDone();
        assertThat(old.openConnections()).isEqualTo(1);

        assertThat(Client.whoAnswers(address)).isEqualTo("s0");
        assertThat(accepted(second.lb)).isEqualTo(1);
        assertThat(accepted(old)).isEqualTo(1);
        assertThat(longLived.echo("during the drain")).isEqualTo("during the drain");

        longLived.close();
        assertThat(stopped.get(10, TimeUnit.SECONDS)).as("connections closed by force").isZero();
        assertThat(Client.whoAnswers(address)).isEqualTo("s0");
        assertThat(accepted(second.lb)).isEqualTo(2);
    }

    @Test
    void anUnknownRequestIsClosedAndTheSocketsAreStillServed() throws Exception {
        LoadBalancer old = newLb(0);
        int port = old.start().getPort();
        expose(old);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("HELLO\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(ch.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("x".repeat(100).getBytes(StandardCharsets.US_ASCII))); // no newline, too long
            assertThat(ch.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        }
        try (ListenerTakeover takeover = ListenerTakeover.from(socket, TIMEOUT)) {
            InheritedListeners inherited = takeover.fetch();
            assertThat(inherited.take(new InetSocketAddress("127.0.0.1", port))).isPresent()
                    .get().satisfies(ch -> ch.unsafe().closeForcibly());
        }
        assertThat(Client.whoAnswers(new InetSocketAddress("127.0.0.1", port))).isEqualTo("s0");
    }

    @Test
    void aDirectoryOthersMayEnterIsRefused() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        LoadBalancer lb = newLb(0);
        lb.start();
        assertThatThrownBy(() -> ListenerHandover.start(socket, TIMEOUT, lb::listenerChannels, () -> { }))
                .isInstanceOf(IOException.class).hasMessageContaining("is open to others (rwxr-xr-x");
        assertThat(socket).doesNotExist();
    }

    @Test
    void theSocketIsOwnerOnlyAndASecondServerOnTheSamePathIsRefused() throws Exception {
        LoadBalancer lb = newLb(0);
        lb.start();
        expose(lb);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThatThrownBy(() -> ListenerHandover.start(socket, TIMEOUT, lb::listenerChannels, () -> { }))
                .isInstanceOf(IOException.class).hasMessageContaining("another process answers there");
    }

    @Test
    void aStaleSocketFileIsReplacedAndATakeoverWithNobodyThereFails() throws Exception {
        // a process that died leaves its socket file: the JDK does not unlink it on close
        java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(socket)).close();
        assertThat(socket).exists();
        LoadBalancer lb = newLb(0);
        int port = lb.start().getPort();
        expose(lb);
        try (ListenerTakeover takeover = ListenerTakeover.from(socket, TIMEOUT)) {
            assertThat(takeover.fetch().take(new InetSocketAddress("127.0.0.1", port))).isPresent()
                    .get().satisfies(ch -> ch.unsafe().closeForcibly());
        }
        assertThatThrownBy(() -> {
            try (ListenerTakeover takeover = ListenerTakeover.from(dir.resolve("none.sock"), TIMEOUT)) {
                takeover.fetch();
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("cannot connect");
    }

    @Test
    void pathsLongerThanASocketAddressHoldsAreRefused() {
        Path longPath = Path.of("/tmp/" + "d".repeat(103));
        assertThatThrownBy(() -> new HandoverConfig(Optional.of(longPath), Optional.empty(), TIMEOUT))
                .hasMessage("handover-socket: " + longPath + " is 108 bytes (expected: 1-107, the UNIX socket path limit)");
    }
}
