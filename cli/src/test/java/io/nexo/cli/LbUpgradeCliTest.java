package io.nexo.cli;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.netty.buffer.PooledByteBufAllocator;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.upgrade.ListenerHandover;

import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad upgrade flags: exit 2 with one line, nothing left running. */
class LbUpgradeCliTest {

    private static CliRun lb(String... extra) {
        String[] base = {"lb", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9", "--check-interval", "0",
                "--io-threads", "1"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.of(args);
    }

    private static void assertUsage(CliRun run, String message) {
        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.errLines().get(0)).startsWith("nexo lb: ").contains(message);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void nioCannotAdoptAListeningSocket() {
        assertUsage(lb("--transport", "nio", "--handover-socket", "/tmp/nexo-x/lb.sock"),
                "--handover-socket and --takeover need --transport epoll (Netty's nio server channel cannot adopt");
    }

    @Test
    void aPathLongerThanASocketAddressHoldsIsRefused() {
        String path = "/tmp/" + "d".repeat(103);
        assertUsage(lb("--takeover", path), "--takeover: " + path + " is 108 bytes (expected: 1-107");
    }

    @Test
    void aTakeoverWithNoOldProcessThereExitsTwo() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable());
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "nexo-cli");
        try {
            assertUsage(lb("--takeover", dir.resolve("lb.sock").toString()), "cannot connect");
        } finally {
            Files.delete(dir);
        }
    }

    @Test
    void aHandoverSocketInADirectoryOthersMayEnterExitsTwo() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable());
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "nexo-cli");
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            assertUsage(lb("--handover-socket", dir.resolve("lb.sock").toString()), "is open to others");
            assertThat(dir.resolve("lb.sock")).doesNotExist();
        } finally {
            Files.delete(dir);
        }
    }

    @Test
    void aTakeoverThatWouldAdoptNoSocketExitsTwoAndTheOldProcessServesOn() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable());
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "nexo-cli");
        Path socket = dir.resolve("lb.sock");
        LoadBalancer old = new LoadBalancer(BalancerConfig.onePool(new HostAndPort("127.0.0.1", 0),
                List.of(new HostAndPort("127.0.0.1", 9))), 1, Transport.named("epoll"), PooledByteBufAllocator.DEFAULT);
        CountDownLatch drain = new CountDownLatch(1);
        try {
            int port = old.start().getPort();
            try (ListenerHandover handover = ListenerHandover.start(socket, Duration.ofSeconds(10),
                    old::listenerChannels, drain::countDown)) {
                assertUsage(lb("--takeover", socket.toString()), "no listener is on an address of the old process's "
                        + "sockets [/127.0.0.1:" + port + "]");
                assertThat(drain.getCount()).isOne();
                assertThat(socket).exists();
                try (Socket s = new Socket("127.0.0.1", port)) {
                    assertThat(s.isConnected()).isTrue();
                }
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> old.status().listeners().get(0).accepted() == 1); // the old one accepted it
            }
        } finally {
            old.stop(Duration.ZERO);
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }
}
