package io.nexo.lb.health;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.config.CheckProtocol;
import io.nexo.lb.testing.Loopback;
import io.nexo.lb.testing.Pools;
import io.nexo.lb.testing.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each kind of health check against real sockets: a backend that answers right, wrong, slowly,
 * never, or streams forever; and what the backend sees of the check's end (end-of-stream, never a
 * reset while it reads).
 */
class ProbeHandlerTest {

    private static final CheckProtocol REDIS = CheckProtocol.of("PING\\r\\n", "+PONG", null, null);
    private static final CheckProtocol HTTP = CheckProtocol.of(null, null, "GET /health", null);

    private EventLoopGroup group;
    private final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        group = Transport.best().newEventLoopGroup(1, "test-probe");
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Runs one check of {@code protocol} against {@code server}; rise 1, fall 1. */
    private Backend checkOnce(TestBackend server, CheckProtocol protocol, Duration timeout) throws Exception {
        BackendPool pool = Pools.single(server.address(), 1, 1);
        try (HealthChecker checker = new HealthChecker(pool, group.next(), Transport.best().socketChannelClass(),
                Duration.ofHours(1), timeout, protocol)) {
            checker.checkNow().get(timeout.toMillis() * 3 + 5000, TimeUnit.MILLISECONDS);
        }
        return pool.all().get(0);
    }

    /** What the backend's next read returned: "eof", "data:..." or "reset". */
    private static String nextRead(InputStream in) {
        try {
            byte[] buf = new byte[1024];
            int n = in.read(buf);
            return n < 0 ? "eof" : "data:" + new String(buf, 0, n, StandardCharsets.UTF_8);
        } catch (SocketException e) {
            return "reset";
        } catch (IOException e) {
            return "error: " + e;
        }
    }

    /** Reads until {@code end} has been read; returns what was read. */
    private static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int b;
        while (!got.toString(StandardCharsets.UTF_8).endsWith(end) && (b = in.read()) >= 0) {
            got.write(b);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tcpCheckEndsWithAFinThatASeedStyleBackendReadsAsEndOfStream() throws Exception {
        // the seed's backend_server.py: accept, recv(1024), send, close; a reset inside recv kills it
        try (TestBackend server = TestBackend.start(s -> {
            seen.add(nextRead(s.getInputStream()));
            try {
                s.getOutputStream().write("Response from Server 1\n".getBytes(StandardCharsets.UTF_8));
                seen.add("sent");
            } catch (IOException e) {
                seen.add("send failed: " + e.getMessage());
            }
        })) {
            Backend backend = checkOnce(server, CheckProtocol.TCP, Duration.ofSeconds(2));

            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("eof");
            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("sent");
            assertThat(backend.isUp()).isTrue();
            assertThat(backend.stats().checks()).isEqualTo(1);
            assertThat(backend.stats().checkFailures()).isZero();
            assertThat(backend.stats().lastCheckError()).isNull();
        }
    }

    @Test
    void sendExpectPassesOnTheExpectedAnswerThenHalfCloses() throws Exception {
        try (TestBackend server = TestBackend.start(s -> {
            seen.add(readUntil(s.getInputStream(), "\r\n"));
            s.getOutputStream().write("+PONG\r\n".getBytes(StandardCharsets.UTF_8));
            seen.add(nextRead(s.getInputStream()));
        })) {
            Backend backend = checkOnce(server, REDIS, Duration.ofSeconds(2));

            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("PING\r\n");
            assertThat(seen.poll(5, TimeUnit.SECONDS)).as("after the answer").isEqualTo("eof");
            assertThat(backend.isUp()).isTrue();
            assertThat(backend.stats().checks()).isEqualTo(1);
            assertThat(backend.stats().checkFailures()).isZero();
        }
    }

    @Test
    void sendExpectFailsOnAWrongAnswerAndSaysWhatCame() throws Exception {
        try (TestBackend server = TestBackend.start(s -> {
            readUntil(s.getInputStream(), "\r\n");
            s.getOutputStream().write("-ERR unknown command\r\n".getBytes(StandardCharsets.UTF_8));
        })) {
            Backend backend = checkOnce(server, REDIS, Duration.ofSeconds(2));

            assertThat(backend.isUp()).isFalse();
            assertThat(backend.stats().checkFailures()).isEqualTo(1);
            assertThat(backend.stats().lastCheckError()).isEqualTo(
                    "closed by the backend before '+PONG' (received 22 bytes: '-ERR unknown command\\r\\n')");
        }
    }

    @Test
    void anAnswerThatIsSlowButInTimePasses() throws Exception {
        try (TestBackend server = TestBackend.start(s -> {
            readUntil(s.getInputStream(), "\r\n");
            OutputStream out = s.getOutputStream();
            out.write("+PO".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(300); // the backend's behaviour under test, not synchronisation: an answer in two parts
            out.write("NG\r\n".getBytes(StandardCharsets.UTF_8));
            seen.add(nextRead(s.getInputStream()));
        })) {
            Backend backend = checkOnce(server, REDIS, Duration.ofSeconds(3));

            assertThat(backend.isUp()).isTrue();
            assertThat(backend.stats().checkFailures()).isZero();
            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("eof");
        }
    }

    @Test
    void anAnswerThatNeverComesFailsAtTheTimeoutAndTheCheckHangsUp() throws Exception {
        try (TestBackend server = TestBackend.start(s -> {
            readUntil(s.getInputStream(), "\r\n");
            s.getOutputStream().write("+PO".getBytes(StandardCharsets.UTF_8));
            seen.add("answered");
            seen.add(nextRead(s.getInputStream())); // silent from here on; returns when the check hangs up
        })) {
            Backend backend = checkOnce(server, REDIS, Duration.ofMillis(1500));

            assertThat(backend.isUp()).isFalse();
            assertThat(backend.stats().lastCheckError())
                    .isEqualTo("timed out after 1500 ms waiting for '+PONG' (received 3 bytes: '+PO')");
            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("answered");
            assertThat(seen.poll(5, TimeUnit.SECONDS)).as("the check hung up at the timeout").isEqualTo("eof");
        }
    }

    @Test
    void aBackendThatStreamsForeverCostsAtMostTheCap() throws Exception {
        try (TestBackend server = TestBackend.start(s -> {
            byte[] junk = new byte[8192];
            java.util.Arrays.fill(junk, (byte) 'x');
            OutputStream out = s.getOutputStream();
            try {
                for (int i = 0; i < 100_000; i++) { // 800 MB at most: ends when the check hangs up
                    out.write(junk);
                }
                seen.add("wrote everything");
            } catch (IOException e) {
                seen.add("cut off");
            }
        })) {
            Backend backend = checkOnce(server, REDIS, Duration.ofSeconds(5));

            assertThat(backend.isUp()).isFalse();
            assertThat(backend.stats().lastCheckError())
                    .isEqualTo("'+PONG' not in the first " + ProbeHandler.MAX_RESPONSE_BYTES + " bytes received");
            assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("cut off");
        }
    }

    @ParameterizedTest
    @MethodSource("io.nexo.lb.testing.Loopback#hosts")
    void httpCheckSendsARequestWithHostAndPassesOnA200(String host) throws Exception {
        Loopback.assumeAvailable(host);
        try (TestBackend server = TestBackend.start(host, s -> {
            seen.add(readUntil(s.getInputStream(), "\r\n\r\n"));
            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    .getBytes(StandardCharsets.US_ASCII));
        })) {
            Backend backend = checkOnce(server, HTTP, Duration.ofSeconds(2));

            assertThat(seen.poll(5, TimeUnit.SECONDS)).startsWith("GET /health HTTP/1.1\r\nHost: "
                    + server.address() + "\r\n").contains("Connection: close\r\n");
            assertThat(backend.isUp()).isTrue();
            assertThat(backend.stats().checks()).isEqualTo(1);
            assertThat(backend.stats().checkFailures()).isZero();
        }
    }

    @Test
    void httpCheckFailsOnAStatusOutsideTheRange() throws Exception {
        try (TestBackend server = TestBackend.start(s -> {
            readUntil(s.getInputStream(), "\r\n\r\n");
            s.getOutputStream().write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        })) {
            Backend backend = checkOnce(server, HTTP, Duration.ofSeconds(2));

            assertThat(backend.isUp()).isFalse();
            assertThat(backend.stats().lastCheckError()).isEqualTo("HTTP status 503 (expected: 200-399)");
        }
    }

    @Test
    void httpCheckFailsOnSomethingThatIsNotHttp() throws Exception {
        try (TestBackend server = TestBackend.start(s -> {
            s.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
            release.await();
        })) {
            Backend backend = checkOnce(server, HTTP, Duration.ofSeconds(2));

            assertThat(backend.isUp()).isFalse();
            assertThat(backend.stats().lastCheckError()).isEqualTo("not an HTTP response: 'SSH-2.0-OpenSSH_9.6\\r\\n'");
        }
    }

    @Test
    void aRefusedConnectIsAFailureWithAShortReason() throws Exception {
        int port = TestBackend.closedPort();
        BackendPool pool = Pools.single(new io.nexo.core.net.HostAndPort("127.0.0.1", port), 1, 1);
        try (HealthChecker checker = new HealthChecker(pool, group.next(), Transport.best().socketChannelClass(),
                Duration.ofHours(1), Duration.ofSeconds(2), REDIS)) {
            checker.checkNow().get(5, TimeUnit.SECONDS);
        }
        assertThat(pool.all().get(0).stats().lastCheckError()).isEqualTo("connection refused");
    }
}
