package io.nexo.lb.proxy;

import io.netty.buffer.PooledByteBufAllocator;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.testing.Lbs;
import io.nexo.lb.testing.Loopback;
import io.nexo.lb.testing.Streams;
import io.nexo.lb.testing.Streams.Digest;
import io.nexo.lb.testing.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bytes through a real balancer over real sockets, on IPv4 and IPv6 loopback: integrity, half-close, backpressure. */
class ProxyDataPathTest {

    private static final long MIB = 1024 * 1024;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    /** Own threads: the common pool may have a single thread, which would serialize "at once". */
    private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();

    @AfterEach
    void closeAll() throws Exception {
        threads.shutdownNow();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        toClose.add(resource);
        return resource;
    }

    /**
     * Every transport this machine runs, each on IPv4 and IPv6 loopback: the data path must depend
     * on neither (a test on {@code ::1} is skipped, with the reason, where the machine has none).
     */
    static Stream<Arguments> transports() {
        return Stream.of("nio", "epoll", "io_uring").filter(name -> {
            try {
                Transport.named(name);
                return true;
            } catch (IllegalArgumentException unavailable) {
                return false;
            }
        }).flatMap(name -> Loopback.hosts().stream().map(host -> Arguments.of(name, host)));
    }

    /** A balancer listening on {@code host}, in front of {@code backend}. */
    private HostAndPort startLb(TestBackend backend, String transport, String host) throws Exception {
        LoadBalancer lb = closing(Lbs.noChecks(List.of(backend.address())).withListen(new HostAndPort(host, 0))
                .balancer(Transport.named(transport), PooledByteBufAllocator.DEFAULT));
        HostAndPort at = HostAndPort.of(lb.start());
        assertThat(at.host()).isEqualTo(host);
        return at;
    }

    /** A test backend on a free port of {@code host}, after skipping when the machine lacks that host. */
    private TestBackend backendOn(String host, TestBackend.Handler handler) throws IOException {
        Loopback.assumeAvailable(host);
        return closing(TestBackend.start(host, handler));
    }

    private static Socket connect(HostAndPort at) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(at.host(), at.port()), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("transports")
    void sixtyFourMebibytesEachWayAtOnceArriveIntact(String transport, String host) throws Exception {
        bothWaysAtOnce(64 * MIB, transport, host);
    }

    /** The "1 GiB upload", each way at once; minutes on a busy box, so in the slow suite. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void oneGibibyteEachWayAtOnceArrivesIntact() throws Exception {
        bothWaysAtOnce(1024 * MIB, "auto", Loopback.IPV4);
    }

    private void bothWaysAtOnce(long size, String transport, String host) throws Exception {
        CompletableFuture<Digest> backendReceived = new CompletableFuture<>();
        CompletableFuture<Digest> backendSent = new CompletableFuture<>();
        TestBackend backend = backendOn(host, s -> {
            CompletableFuture<Digest> sending = CompletableFuture.supplyAsync(() -> {
                try {
                    Digest d = Streams.writeRandom(s.getOutputStream(), size, 2);
                    s.shutdownOutput();
                    return d;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, threads);
            backendReceived.complete(Streams.readAll(s.getInputStream()));
            backendSent.complete(sending.get(10, TimeUnit.MINUTES));
        });
        HostAndPort lb = startLb(backend, transport, host);
        try (Socket client = connect(lb)) {
            CompletableFuture<Digest> clientSent = CompletableFuture.supplyAsync(() -> {
                try {
                    Digest d = Streams.writeRandom(client.getOutputStream(), size, 1);
                    client.shutdownOutput();
                    return d;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, threads);
            Digest clientReceived = Streams.readAll(client.getInputStream());
            Digest sent = clientSent.get(10, TimeUnit.MINUTES);
            assertThat(sent.bytes()).isEqualTo(size);
            assertThat(backendReceived.get(60, TimeUnit.SECONDS)).isEqualTo(sent);
            assertThat(clientReceived.bytes()).isEqualTo(size);
            assertThat(clientReceived).isEqualTo(backendSent.get(60, TimeUnit.SECONDS));
            assertThat(clientReceived.sha256()).isNotEqualTo(sent.sha256()); // two different streams
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("transports")
    void clientHalfCloseStillGetsTheWholeReply(String transport, String host) throws Exception {
        // the backend answers only after the request ended (FIN), like a "read all, then reply" server
        TestBackend backend = backendOn(host, s -> {
            byte[] request = s.getInputStream().readAllBytes();
            OutputStream out = s.getOutputStream();
            out.write(("got " + request.length + " bytes\n").getBytes(StandardCharsets.UTF_8));
            Streams.writeRandom(out, 3 * MIB, 7);
        });
        HostAndPort lb = startLb(backend, transport, host);
        try (Socket client = connect(lb)) {
            client.getOutputStream().write(new byte[100_000]);
            client.shutdownOutput();
            InputStream in = client.getInputStream();
            String header = new String(in.readNBytes("got 100000 bytes\n".length()), StandardCharsets.UTF_8);
            assertThat(header).isEqualTo("got 100000 bytes\n");
            Digest reply = Streams.readAll(in);
            assertThat(reply.bytes()).isEqualTo(3 * MIB);
            assertThat(reply.sha256()).isEqualTo(Streams.writeRandom(OutputStream.nullOutputStream(), 3 * MIB, 7).sha256());
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("transports")
    void backendHalfCloseStillReceivesTheClientsData(String transport, String host) throws Exception {
        // the backend speaks first and shuts its output, then keeps reading: the other direction
        CompletableFuture<Digest> backendReceived = new CompletableFuture<>();
        TestBackend backend = backendOn(host, s -> {
            s.getOutputStream().write("banner\n".getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            backendReceived.complete(Streams.readAll(s.getInputStream()));
        });
        HostAndPort lb = startLb(backend, transport, host);
        try (Socket client = connect(lb)) {
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("banner\n");
            Digest sent = Streams.writeRandom(client.getOutputStream(), 2 * MIB, 3); // after EOF from the backend
            client.shutdownOutput();
            assertThat(backendReceived.get(30, TimeUnit.SECONDS)).isEqualTo(sent);
        }
    }

    /**
     * A client that stops reading must not make the balancer buffer what the backend sends. Bound: with
     * backpressure the balancer holds at most the write buffer high water mark (64 KiB) plus one read
     * batch (16 reads of 32 KiB, see RelayTuning) per direction, under 0.6 MiB, which the pooled
     * allocator serves from one 4 MiB chunk; 8 MiB leaves room for a second chunk. Without backpressure it
     * would read everything the backend can send (64 MiB) into memory.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("transports")
    void aClientThatStopsReadingDoesNotMakeTheBalancerBuffer(String transport, String host) throws Exception {
        long size = 64 * MIB;
        AtomicLong written = new AtomicLong();
        CompletableFuture<Digest> backendSent = new CompletableFuture<>();
        TestBackend backend = backendOn(host, s -> {
            s.getInputStream().read(); // the request (left unread, closing would reset the connection)
            OutputStream raw = s.getOutputStream();
            OutputStream counting = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    raw.write(b);
                    written.incrementAndGet();
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    raw.write(b, off, len);
                    written.addAndGet(len);
                }
            };
            backendSent.complete(Streams.writeRandom(counting, size, 11));
        });
        PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
        LoadBalancer lb = closing(Lbs.noChecks(List.of(backend.address())).withListen(new HostAndPort(host, 0))
                .balancer(Transport.named(transport), allocator));
        HostAndPort at = HostAndPort.of(lb.start());
        try (Socket client = connect(at)) {
            client.getOutputStream().write(1); // any request; then the client reads nothing
            // wait until the backend is stuck: its writes no longer progress
            long[] last = {-1};
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                long now = written.get();
                boolean stalled = now > 0 && now == last[0];
                last[0] = now;
                return stalled;
            });
            assertThat(written.get()).as("bytes the backend could write").isLessThan(size);
            assertThat(allocator.metric().usedDirectMemory()).as("balancer's pooled direct memory")
                    .isLessThanOrEqualTo(8 * MIB);
            // and nothing was lost: once the client reads, everything arrives
            Digest received = Streams.readAll(client.getInputStream());
            assertThat(received).isEqualTo(backendSent.get(30, TimeUnit.SECONDS));
        }
    }
}
