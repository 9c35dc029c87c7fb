package io.nexo.cli.peer;

import io.nexo.cli.Nexo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code nexo peer} in-process: flags, errors, help, plaintext mode with a raw socket as nc would. */
class PeerCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private PipedOutputStream stdin;
    private CompletableFuture<Integer> running;

    private CommandLine cli() throws IOException {
        CommandLine cl = Nexo.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        PeerCommand peer = cl.getSubcommands().get("peer").getCommand();
        stdin = new PipedOutputStream();
        peer.in = new PipedInputStream(stdin, 64 * 1024);
        peer.terminal = false;
        return cl;
    }

    private int run(String... args) throws IOException {
        CommandLine cl = cli();
        stdin.close();
        return cl.execute(args);
    }

    private void start(String... args) throws IOException {
        CommandLine cl = cli();
        running = CompletableFuture.supplyAsync(() -> cl.execute(args));
    }

    private void type(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null && !running.isDone()) {
            stdin.close();
            running.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void badAddressIsOneLineAndExit2() throws IOException {
        assertThat(run("peer", "--listen", "nonsense")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("nexo peer: Invalid value for option '--listen'")
                .contains("invalid address 'nonsense'").doesNotContain("\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void badConnectionLimitsNameTheFlagAndExit2(@TempDir Path data) throws IOException {
        assertThat(run("peer", "--max-inbound", "10", "--inbound-low-water", "11", "--data-dir", data.toString()))
                .isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo(
                "nexo peer: --inbound-low-water: 11 (expected: 0-10, at most --max-inbound)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--max-inbound-per-subnet", "0", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --max-inbound-per-subnet: 0 (expected: > 0)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--max-relayed-inbound", "-1", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --max-relayed-inbound: -1 (expected: 0-100000)");
    }

    @Test
    void badRelayFlagsNameTheFlagAndExit2(@TempDir Path data) throws IOException {
        assertThat(run("peer", "--relay", "maybe", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --relay: 'maybe' (expected: on or off)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--hole-punch", "sometimes", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --hole-punch: 'sometimes' (expected: on or off)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--relay-reservations", "5", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --relay-reservations: 5 (expected: auto or 0-4)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--relay-reservations", "some", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --relay-reservations: 'some' (expected: auto or 0-4)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--relay-max-circuits", "4", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --relay-max-circuits-per-peer: 16 (expected: 1-4)");
    }

    @Test
    void durationsTakeAUnitLikeEveryOtherCommand() throws IOException {
        assertThat(run("peer", "--handshake-timeout", "10")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: Invalid value for option '--handshake-timeout':"
                + " invalid duration '10' (no unit: 10s? 10ms?) (expected: a number with a unit"
                + " ms, s, m, h or d, e.g. 3s, or 0) (see 'nexo peer --help')");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--handshake-timeout", "0")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --handshake-timeout: 0 (expected: > 0, e.g. 10s)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--inbound-grace", "20")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("nexo peer: Invalid value for option '--inbound-grace':"
                + " invalid duration '20' (no unit: 20s? 20ms?)").doesNotContain("\n");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--upload-timeout", "30")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("nexo peer: Invalid value for option '--upload-timeout':"
                + " invalid duration '30' (no unit: 30s? 30ms?)").doesNotContain("\n");
    }

    @Test
    void badPinnedIdIsOneLineAndExit2() throws IOException {
        assertThat(run("peer", "--join", "abc@127.0.0.1:5000")).isEqualTo(2);
        assertThat(err.toString().strip()).contains("invalid peer id 'abc'").doesNotContain("\n");
    }

    @Test
    void portInUseIsOneLineAndExit2(@TempDir Path data) throws IOException {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = busy.getLocalPort();
            assertThat(run("peer", "--listen", "127.0.0.1:" + port, "--data-dir", data.toString())).isEqualTo(2);
            assertThat(err.toString().strip()).isEqualTo("nexo peer: cannot listen on 127.0.0.1:" + port
                    + ": address in use");
        }
    }

    @Test
    void missingOrShortNetworkKeyIsOneLineAndExit2(@TempDir Path data) throws IOException {
        Path missing = data.resolve("nope.key");
        assertThat(run("peer", "--network-key", missing.toString(), "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("nexo peer: cannot read network key " + missing);
        Path shortKey = Files.writeString(data.resolve("short.key"), "tiny");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--network-key", shortKey.toString(), "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: network key " + shortKey
                + ": 4 bytes with about 8 bits of randomness (expected: at least 128; nexo peer --new-network-key FILE"
                + " writes a random one)");
    }

    @Test
    void newNetworkKeyWritesAUsableKeyOnceAndThenExits2(@TempDir Path data) throws IOException {
        Path key = data.resolve("net.key");
        assertThat(run("peer", "--new-network-key", key.toString())).isZero();
        assertThat(out.toString().strip()).isEqualTo("wrote a new network key to " + key
                + "; copy it to every node of the network and run nexo peer --network-key " + key);
        assertThat(Files.readString(key)).matches("[0-9a-f]{64}\n");
        String written = Files.readString(key);
        assertThat(run("peer", "--new-network-key", key.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --new-network-key: " + key
                + " already exists (a key is never overwritten)");
        assertThat(Files.readString(key)).isEqualTo(written);
    }

    @Test
    void helpListsEveryFlag() throws IOException {
        assertThat(run("peer", "--help")).isZero();
        assertThat(out.toString()).contains("--listen", "--join", "--name", "--data-dir", "--network-key",
                "--advertise", "--target-peers", "--max-peers", "--lan", "--json", "--no-console", "--plaintext",
                "--max-message-size", "--rate-limit", "--max-outbound-queue", "--max-conns-per-ip",
                "--handshake-timeout", "--gossip", "--gossip-backup-wait", "--max-inbound", "--inbound-low-water",
                "--max-inbound-per-subnet", "--inbound-grace", "--max-relayed-inbound", "--byte-rate", "--max-node-outbound", "--max-pending",
                "--max-peer-pending", "--max-protocol-pending", "--max-peer-pending-requests",
                "/msg", "/peers", "/connect", "/quit");
    }

    @Test
    void resourceLimitsOutOfRangeExitTwoWithOneLine() throws IOException {
        assertThat(run("peer", "--byte-rate", "100")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("nexo peer: --byte-rate: 100 (expected: >= 1024)");
        err.getBuffer().setLength(0);
        assertThat(run("peer", "--max-pending", "2097152", "--max-peer-pending", "4194304")).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("nexo peer: --max-peer-pending: 4194304 (expected: <= --max-pending 2097152)");
    }

    @Test
    void aBackupWaitOutOfRangeExits2WithOneLine(@TempDir Path data) throws IOException {
        assertThat(run("peer", "--gossip-backup-wait", "500", "--data-dir", data.toString())).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("nexo peer: --gossip-backup-wait: 500 (expected: 0 (off) to 400 ms)");
    }

    @Test
    void helpListsTheFileLimitFlags() throws IOException {
        assertThat(run("peer", "--help")).isZero();
        assertThat(out.toString()).contains("--files-control-rate", "--files-control-burst",
                "--files-max-queued-replies", "--files-max-queued-reply-bytes", "--files-max-offers-per-peer",
                "--files-max-offers", "--files-max-unrequested-blocks", "--upload-timeout");
    }

    @Test
    void aBadFileLimitExits2WithOneLine(@TempDir Path data) throws IOException {
        assertThat(run("peer", "--listen", "127.0.0.1:0", "--data-dir", data.toString(),
                "--files-max-offers-per-peer", "100", "--files-max-offers", "10")).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("nexo peer: --files-max-offers: 10 (expected: >= files-max-offers-per-peer 100)");
    }

    @Test
    void sendingWithNobodyConnectedSaysSoAndExitLeaves(@TempDir Path data) throws Exception {
        start("peer", "--listen", "127.0.0.1:0", "--data-dir", data.toString(), "--name", "solo");
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("listening on 127.0.0.1:"));
        type("hello?");
        type("/peers");
        type("/limits");
        type("/bogus");
        type("/msg");
        await().atMost(Duration.ofSeconds(5)).until(() -> out.toString().contains("! usage: /msg"));
        assertThat(out.toString()).contains("! nobody is connected; message not sent", "no peers connected",
                "connections: 0 inbound, 0 outbound; refused 0 over the per-IP cap, 0 over the per-subnet cap, "
                        + "0 when full; 0 inbound trimmed",
                "! unknown command /bogus (see /help)", "! usage: /msg NAME-or-PEERID TEXT",
                "refused at decode: none", "rates: 0 messages dropped; sessions closed: 0 flooding, 0 not reading");
        type("exit");
        assertThat(running.get(10, TimeUnit.SECONDS)).isZero();
        // the identity is now in the data dir
        assertThat(data.resolve("identity.key")).exists();
    }

    @Test
    void plaintextModeTalksToARawSocketLikeNc() throws Exception {
        start("peer", "--plaintext", "--listen", "127.0.0.1:0");
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("plaintext chat listening on"));
        assertThat(out.toString()).contains("! WARNING: --plaintext: messages travel unencrypted");
        int port = Integer.parseInt(out.toString().replaceAll("(?s).*plaintext chat listening on 127\\.0\\.0\\.1:(\\d+).*", "$1"));
        try (Socket nc = new Socket("127.0.0.1", port)) {
            nc.setSoTimeout(10_000);
            OutputStream o = nc.getOutputStream();
            o.write("hola desde nc\n".getBytes(StandardCharsets.UTF_8));
            o.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> out.toString().contains("] hola desde nc"));
            type("hola nc");
            BufferedReader r = new BufferedReader(new InputStreamReader(nc.getInputStream(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("hola nc");
            type("exit");
            assertThat(running.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(r.readLine()).isNull(); // closed on exit
        }
    }
}
