package io.nexo.cli.peer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code nexo peer} as real processes: the seed's s/c flow, and --json driven through a pipe. */
class PeerCommandProcessTest {

    @Test
    void seedPromptFlowServerAndClientChatBothWays(@TempDir Path homeA, @TempDir Path homeB) throws Exception {
        assumeTrue(portFree(5000), "127.0.0.1:5000 is in use on this machine; the seed flow listens there");
        try (NexoProcess server = new NexoProcess(homeA, "peer");
             NexoProcess client = new NexoProcess(homeB, "peer")) {
            server.awaitLine(l -> l.contains("Start as server (s) or connect to a peer (c)?"));
            server.type("s");
            server.awaitLine(l -> l.contains("listening on 127.0.0.1:5000"));

            client.awaitLine(l -> l.contains("Start as server (s) or connect to a peer (c)?"));
            client.type("c");
            client.type("127.0.0.1");
            client.type("5000");
            client.awaitLine(l -> l.startsWith("* connected:") && l.contains("127.0.0.1:5000"));
            server.awaitLine(l -> l.startsWith("* connected:"));

            client.type("hola servidor");
            server.awaitLine(l -> l.endsWith("] hola servidor"));
            server.type("hola cliente");
            client.awaitLine(l -> l.endsWith("] hola cliente"));

            client.type("exit");
            assertThat(client.awaitExit()).isZero();
            server.awaitLine(l -> l.startsWith("* lost connection with"));
            server.type("anyone there?");
            server.awaitLine(l -> l.equals("! nobody is connected; message not sent"));
            server.type("exit");
            assertThat(server.awaitExit()).isZero();
        }
    }

    @Test
    void jsonModeReadsCommandsFromAPipe(@TempDir Path home, @TempDir Path dataA, @TempDir Path dataB) throws Exception {
        try (NexoProcess a = new NexoProcess(home, "peer", "--json", "--name", "alice", "--listen", "127.0.0.1:0",
                "--data-dir", dataA.toString())) {
            String ready = a.awaitLine(l -> l.startsWith("{\"event\":\"ready\""));
            String port = ready.replaceAll(".*\"listen\":\"127\\.0\\.0\\.1:(\\d+)\".*", "$1");
            String aliceId = ready.replaceAll(".*\"peerId\":\"([a-z2-7]+)\".*", "$1");
            try (NexoProcess b = new NexoProcess(home, "peer", "--json", "--name", "bob", "--listen", "127.0.0.1:0",
                    "--data-dir", dataB.toString(), "--join", aliceId + "@127.0.0.1:" + port)) {
                b.awaitLine(l -> l.startsWith("{\"event\":\"peer-connected\"") && l.contains("\"name\":\"alice\""));
                a.awaitLine(l -> l.startsWith("{\"event\":\"peer-connected\"") && l.contains("\"name\":\"bob\""));
                b.type("hello \"alice\"");
                String msg = a.awaitLine(l -> l.startsWith("{\"event\":\"message\""));
                assertThat(msg).contains("\"name\":\"bob\"", "\"text\":\"hello \\\"alice\\\"\"");
                a.type("/msg bob secret");
                String direct = b.awaitLine(l -> l.startsWith("{\"event\":\"direct\""));
                assertThat(direct).contains("\"peerId\":\"" + aliceId + "\"", "\"name\":\"alice\"", "\"text\":\"secret\"");
                a.type("/msg nobody hi");
                assertThat(a.awaitLine(l -> l.startsWith("{\"event\":\"error\"")))
                        .isEqualTo("{\"event\":\"error\",\"message\":\"unknown peer 'nobody' (see /peers)\"}");
                b.type("/quit");
                assertThat(b.awaitExit()).isZero();
                String gone = a.awaitLine(l -> l.startsWith("{\"event\":\"peer-disconnected\""));
                assertThat(gone).contains("\"name\":\"bob\"");
            }
            a.type("exit");
            assertThat(a.awaitExit()).isZero();
        }
    }

    @Test
    void eachHomeHasItsOwnDataDirAndASecondProcessOnOneIsRefused(@TempDir Path homeA, @TempDir Path homeB)
            throws Exception {
        try (NexoProcess a = new NexoProcess(homeA, "peer", "--json", "--listen", "127.0.0.1:0");
             NexoProcess b = new NexoProcess(homeB, "peer", "--json", "--listen", "127.0.0.1:0")) {
            String idA = a.awaitLine(l -> l.startsWith("{\"event\":\"ready\"")).replaceAll(".*\"peerId\":\"([a-z2-7]+)\".*", "$1");
            String idB = b.awaitLine(l -> l.startsWith("{\"event\":\"ready\"")).replaceAll(".*\"peerId\":\"([a-z2-7]+)\".*", "$1");
            assertThat(idA).hasSize(52).isNotEqualTo(idB);
            Path dataA = homeA.resolve(".nexo");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataA))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataA.resolve("identity.key"))))
                    .isEqualTo("rw-------");
            assertThat(homeB.resolve(".nexo/identity.key")).exists();

            try (NexoProcess c = new NexoProcess(homeB, "peer", "--json", "--listen", "127.0.0.1:0",
                    "--data-dir", dataA.toString())) {
                assertThat(c.awaitExit()).isEqualTo(2);
                assertThat(c.err).containsExactly("nexo peer: data dir " + dataA
                        + " is in use by another nexo peer; give each node its own --data-dir");
                assertThat(c.out).isEmpty();
            }
            a.type("/quit");
            assertThat(a.awaitExit()).isZero();
            b.type("/quit");
            assertThat(b.awaitExit()).isZero();
        }
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
