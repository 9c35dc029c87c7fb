package io.nexo.cli.peer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Three nodes on three "hosts": network namespaces with their own addresses on a bridge, created
 * and deleted here. Skipped, with the reason, where {@code ip netns} is not permitted.
 */
class PeerNetnsTest {

    private static final String SUFFIX = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 99_999));
    private static final String HUB = "nxh" + SUFFIX;
    private static final String[] HOSTS = {"nxa" + SUFFIX, "nxb" + SUFFIX, "nxc" + SUFFIX};
    private static final String NET = "10.213." + (Integer.parseInt(SUFFIX) % 200 + 20) + ".";
    private static String skipReason;

    @BeforeAll
    static void createNamespaces() {
        try {
            run("ip", "netns", "add", HUB);
        } catch (IOException e) {
            skipReason = "ip netns is not permitted here (" + e.getMessage() + ")";
            return;
        }
        try {
            run("ip", "-n", HUB, "link", "add", "br0", "type", "bridge");
            run("ip", "-n", HUB, "link", "set", "br0", "up");
            for (int i = 0; i < HOSTS.length; i++) {
                String ns = HOSTS[i];
                run("ip", "netns", "add", ns);
                run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "p" + i, "netns", HUB);
                run("ip", "-n", HUB, "link", "set", "p" + i, "master", "br0");
                run("ip", "-n", HUB, "link", "set", "p" + i, "up");
                run("ip", "-n", ns, "addr", "add", NET + (i + 1) + "/24", "dev", "eth0");
                run("ip", "-n", ns, "link", "set", "eth0", "up");
                run("ip", "-n", ns, "link", "set", "lo", "up");
                run("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0");
            }
        } catch (IOException e) {
            skipReason = "cannot build the test network: " + e.getMessage();
        }
    }

    @AfterAll
    static void deleteNamespaces() {
        for (String ns : List.of(HOSTS[0], HOSTS[1], HOSTS[2], HUB)) {
            try {
                run("ip", "netns", "del", ns);
            } catch (IOException ignored) {
                // not created
            }
        }
    }

    private static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": " + new String(p.getInputStream().readAllBytes()).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static NexoProcess node(int host, Path home, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("peer", "--json", "--name", "host" + (char) ('a' + host),
                "--data-dir", home.resolve("data" + host).toString()));
        all.addAll(List.of(args));
        return new NexoProcess(List.of("ip", "netns", "exec", HOSTS[host]), home, all.toArray(String[]::new));
    }

    @Test
    void threeHostsJoinExchangeAddressesBroadcastAndMessage(@TempDir Path home) throws Exception {
        assumeTrue(skipReason == null, skipReason);
        String a = NET + "1:5000";
        try (NexoProcess na = node(0, home, "--listen", "0.0.0.0:5000");
             NexoProcess nb = node(1, home, "--listen", "0.0.0.0:5000", "--join", a);
             NexoProcess nc = node(2, home, "--listen", "0.0.0.0:5000", "--join", NET + "2:5000")) {
            String ready = na.awaitLine(l -> l.startsWith("{\"event\":\"ready\""));
            // 0.0.0.0 advertises the host's real address
            assertThat(ready).contains("\"advertised\":[\"" + a + "\"");
            assertThat(ready).contains("\"listen\":\"0.0.0.0:5000\"");
            // c only knew b, a only knew nobody: peer exchange gives one of them the other's advertised
            // address on another host, and they connect (whichever dials first)
            nc.awaitLine(l -> l.contains("\"event\":\"peer-connected\"") && l.contains("\"name\":\"hosta\"")
                    && l.contains("\"address\":\"" + NET + "1:"));
            na.type("hello from host a");
            nb.awaitLine(l -> l.contains("\"event\":\"message\"") && l.contains("hello from host a"));
            nc.awaitLine(l -> l.contains("\"event\":\"message\"") && l.contains("hello from host a"));
            nc.type("/msg hosta only for a");
            na.awaitLine(l -> l.contains("\"event\":\"direct\"") && l.contains("\"name\":\"hostc\"")
                    && l.contains("only for a"));
            for (NexoProcess p : List.of(na, nb, nc)) {
                p.type("exit");
                assertThat(p.awaitExit()).isZero();
            }
            assertThat(nb.out.stream().filter(l -> l.contains("\"event\":\"direct\""))).isEmpty();
        }
    }

    @Test
    void lanDiscoveryFindsPeersWithoutJoin(@TempDir Path home) throws Exception {
        assumeTrue(skipReason == null, skipReason);
        try (NexoProcess na = node(0, home, "--listen", "0.0.0.0:5001", "--lan");
             NexoProcess nb = node(1, home, "--listen", "0.0.0.0:5001", "--lan")) {
            na.awaitLine(l -> l.contains("\"event\":\"peer-connected\"") && l.contains("\"name\":\"hostb\""));
            nb.awaitLine(l -> l.contains("\"event\":\"peer-connected\"") && l.contains("\"name\":\"hosta\""));
            nb.type("found you");
            na.awaitLine(l -> l.contains("\"event\":\"message\"") && l.contains("found you"));
        }
    }
}
