package io.nexo.cli.peer;

import io.nexo.cli.Nexo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code nexo peer} on the IPv6 loopback: {@code --listen [::1]:0}, {@code --join PEERID@[::1]:PORT}, {@code /connect}. */
class PeerIpv6Test {

    private static final Pattern READY = Pattern.compile(
            "\\{\"event\":\"ready\",\"peerId\":\"([a-z2-7]+)\",\"name\":\"[^\"]*\",\"listen\":\"\\[::1]:(\\d+)\"");

    private final List<Peer> peers = new ArrayList<>();

    /** One in-process {@code nexo peer --json}: its stdin is a pipe, its stdout a buffer. */
    private final class Peer {
        final StringWriter out = new StringWriter();
        final PipedOutputStream stdin = new PipedOutputStream();
        final CompletableFuture<Integer> exit;

        Peer(String... args) throws IOException {
            CommandLine cl = Nexo.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(new StringWriter(), true));
            PeerCommand peer = cl.getSubcommands().get("peer").getCommand();
            peer.in = new PipedInputStream(stdin, 64 * 1024);
            peer.terminal = false;
            List<String> all = new ArrayList<>(List.of("peer", "--json"));
            all.addAll(List.of(args));
            exit = CompletableFuture.supplyAsync(() -> cl.execute(all.toArray(String[]::new)));
            peers.add(this);
        }

        /** The peer id and port of its ready event, once it is listening. */
        Matcher ready() {
            await().atMost(Duration.ofSeconds(20)).until(() -> READY.matcher(out.toString()).find());
            Matcher m = READY.matcher(out.toString());
            assertThat(m.find()).isTrue();
            return m;
        }

        void type(String line) throws IOException {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Peer p : peers) {
            p.stdin.close();
        }
        for (Peer p : peers) {
            p.exit.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void twoPeersOnIpv6LoopbackExchangeABroadcastAndAThirdConnectsFromTheConsole(@TempDir Path a, @TempDir Path b,
                                                                                @TempDir Path c) throws Exception {
        assumeTrue(ipv6Loopback(), "no IPv6 loopback (::1) on this machine");
        Peer alice = new Peer("--listen", "[::1]:0", "--name", "alice", "--data-dir", a.toString());
        Matcher ready = alice.ready();
        String target = ready.group(1) + "@[::1]:" + ready.group(2);

        Peer bob = new Peer("--listen", "[::1]:0", "--name", "bob", "--data-dir", b.toString(), "--join", target);
        await().atMost(Duration.ofSeconds(20)).until(() -> bob.out.toString().contains("\"event\":\"peer-connected\""));
        assertThat(bob.out.toString()).contains("\"address\":\"[::1]:" + ready.group(2) + "\"");
        bob.type("hello over ipv6");
        await().atMost(Duration.ofSeconds(10)).until(() -> alice.out.toString().contains("\"text\":\"hello over ipv6\""));
        assertThat(alice.out.toString()).containsOnlyOnce("\"text\":\"hello over ipv6\"")
                .contains("\"name\":\"bob\",\"text\":\"hello over ipv6\"");

        Peer carol = new Peer("--listen", "[::1]:0", "--name", "carol", "--data-dir", c.toString(), "--target-peers", "0");
        carol.ready();
        carol.type("/connect " + target);
        await().atMost(Duration.ofSeconds(20)).until(() -> carol.out.toString().contains("\"name\":\"alice\""));
        carol.type("carol says hi");
        await().atMost(Duration.ofSeconds(10)).until(() -> bob.out.toString().contains("\"text\":\"carol says hi\""));
    }

    @Test
    void anUnbracketedIpv6AddressIsOneLineAndExit2() {
        CommandLine cl = Nexo.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(cl.execute("peer", "--join", "::1:5000")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: Invalid value for option '--join' ([PEERID@]HOST:PORT):"
                + " invalid address '::1:5000' (expected: HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000) (see 'nexo peer --help')");
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
