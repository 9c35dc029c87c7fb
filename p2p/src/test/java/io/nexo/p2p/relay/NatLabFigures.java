package io.nexo.p2p.relay;

import io.nexo.p2p.testing.LabProcess;
import io.nexo.p2p.testing.LabProcess.Line;
import io.nexo.p2p.testing.NatLab;
import io.nexo.p2p.testing.NatLab.Host;
import io.nexo.p2p.testing.NatLab.NatType;
import io.nexo.p2p.testing.RawCopyMain;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15's figures across real NATs ({@link NatLab}), not a test: tagged {@code bench}, which
 * {@code mvn verify} and {@code -Pslow} leave out; {@code bench/nat-figures.sh [ROUNDS]} runs it.
 * A public relay on the lab's internet; alice and bob each behind their own MASQUERADE router; every
 * node its own JVM, started anew for each run. Per round, in alternating order (relayed, direct,
 * raw relayed, raw direct; then the reverse):
 * <ul>
 *   <li><b>relayed</b>: alice and bob start, both joining only the relay; bob dials alice's relayed
 *       address; alice messages bob over the relayed session; bob fetches a file of SIZE from alice
 *       through the relay (SHA-256 equal; the relay forwarded at least SIZE bytes).</li>
 *   <li><b>direct</b>: the same, but once the relayed session is up both punch a hole as
 *       {@code HolePunchLabTest} does (this harness gives each the other's public address and says
 *       when: {@code punchNow}; {@link RelayLabMain} runs with hole punching off, so the punch a
 *       relayed session starts by itself, with AutoNAT's observed addresses, does not race the
 *       harness's; {@code HolePunchLabTest} covers that one); the message and the file
 *       then take the direct session (asserted from both sides; the relay forwarded less than an
 *       eighth of SIZE).</li>
 *   <li><b>raw relayed</b> / <b>raw direct</b>: {@link RawCopyMain} copies the same file over plain
 *       TCP along the same paths: through a splice on the relay's host, and over a plain-socket
 *       simultaneous open between the two routers' public addresses.</li>
 * </ul>
 * Times are from starting alice and bob (both JVMs) to each milestone, as this process read the
 * children's lines. Env: {@code NAT_FIGURES_ROUNDS} (3), {@code NAT_FIGURES_SIZE} (256MiB),
 * {@code NAT_FIGURES_OUT} (a file the lines are also written to).
 */
@Tag("bench")
class NatLabFigures {

    /** As bench/relay-transfer.sh runs nexo: the test JVMs' C1-only default would make every rate a JIT figure. */
    private static final List<String> JVM = List.of("-Xms256m", "-Xmx1g", "-XX:+UseG1GC");
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final Duration TRANSFER = Duration.ofMinutes(10);

    private enum Mode { RELAYED, DIRECT, RAW_RELAYED, RAW_DIRECT }

    /** One run's milestones (ms from starting both nodes; -1 where none) and its transfer rate. */
    private record Run(long ready, long privateVerdict, long reserved, long session, long punched, long firstMessage,
                       double mibps) {
        static Run raw(double mibps) {
            return new Run(-1, -1, -1, -1, -1, -1, mibps);
        }
    }

    @TempDir
    Path tmp;

    private long size;
    private String sha;
    private Path file;
    private Path out;
    private LabProcess relay;
    private String relayAt;
    private String spliceAt;
    private Host aliceHost;
    private Host bobHost;

    @Test
    void figures() throws Exception {
        int rounds = Integer.parseInt(env("NAT_FIGURES_ROUNDS", "3"));
        size = parseSize(env("NAT_FIGURES_SIZE", "256MiB"));
        String outFile = System.getenv("NAT_FIGURES_OUT");
        out = outFile == null || outFile.isBlank() ? null : Path.of(outFile);
        file = tmp.resolve("figures.bin");
        sha = writeRandom(file, size);
        Map<Mode, List<Run>> runs = new EnumMap<>(Mode.class);
        try (NatLab lab = NatLab.create()) {
            Host relayHost = lab.publicHost();
            aliceHost = lab.natHost(NatType.MASQUERADE);
            bobHost = lab.natHost(NatType.MASQUERADE);
            try (LabProcess r = relayHost.java(JVM, "relay", RelayLabMain.class, "relay", "0.0.0.0:0");
                 LabProcess splice = relayHost.java(JVM, "splice", RawCopyMain.class, "splice")) {
                relay = r;
                String[] ready = r.nextLine(l -> l.startsWith("ready "), STEP).split(" ");
                relayAt = ready[1] + "@" + relayHost.address().getHostAddress() + ":" + ready[2];
                spliceAt = relayHost.address().getHostAddress() + ":"
                        + splice.nextLine(l -> l.startsWith("listening "), STEP).split(" ")[1];
                say("# size " + size + " bytes, " + rounds + " rounds, SHA-256 " + sha);
                for (int round = 1; round <= rounds; round++) {
                    List<Mode> order = round % 2 == 1 ? List.of(Mode.values())
                            : List.of(Mode.RAW_DIRECT, Mode.RAW_RELAYED, Mode.DIRECT, Mode.RELAYED);
                    for (Mode m : order) {
                        Run run = switch (m) {
                            case RELAYED -> nexo(false);
                            case DIRECT -> nexo(true);
                            case RAW_RELAYED -> rawRelayed();
                            case RAW_DIRECT -> rawDirect();
                        };
                        runs.computeIfAbsent(m, k -> new ArrayList<>()).add(run);
                        say(String.format("round %d %-11s %s", round, m.name().toLowerCase().replace('_', '-'),
                                describe(run)));
                    }
                }
            }
        }
        summary(runs);
    }

    /** alice and bob from start to the first message and a transfer, relayed or after a punch. */
    private Run nexo(boolean punch) throws Exception {
        long bytesBefore = relayedBytes();
        long t0 = System.nanoTime();
        try (LabProcess alice = aliceHost.java(JVM, "alice", RelayLabMain.class, "alice", "0.0.0.0:0", relayAt);
             LabProcess bob = bobHost.java(JVM, "bob", RelayLabMain.class, "bob", "0.0.0.0:0", relayAt)) {
            Line aliceReady = alice.nextTimedLine(l -> l.startsWith("ready "), STEP);
            Line bobReady = bob.nextTimedLine(l -> l.startsWith("ready "), STEP);
            String[] a = aliceReady.text().split(" ");
            String[] b = bobReady.text().split(" ");
            // alice learns she is private (the relay's dial-back is dropped), then reserves on it
            Line verdict = alice.nextTimedLine(l -> l.startsWith("reachability "), STEP);
            assertThat(verdict.text()).isEqualTo("reachability private");
            Line reserved = alice.nextTimedLine(l -> l.startsWith("relayed "), STEP);
            bob.type("connect " + reserved.text().split(" ")[1]);
            assertThat(bob.nextLine(l -> l.startsWith("connect-"), STEP)).isEqualTo("connect-ok " + a[1] + " relayed");
            Line session = alice.nextTimedLine(l -> l.startsWith("connected " + b[1]), STEP);
            assertThat(session.text()).isEqualTo("connected " + b[1] + " relayed");
            long punched = -1;
            if (punch) {
                alice.type("punch " + b[1] + " " + bobHost.publicAddress().getHostAddress() + ":" + b[2]);
                bob.type("punch " + a[1] + " " + aliceHost.publicAddress().getHostAddress() + ":" + a[2]);
                Line pa = alice.nextTimedLine(l -> l.startsWith("punch "), STEP);
                Line pb = bob.nextTimedLine(l -> l.startsWith("punch "), STEP);
                assertThat(pa.text()).as("alice's punch").startsWith("punch true ");
                assertThat(pb.text()).as("bob's punch").startsWith("punch true ");
                punched = millis(t0, Math.max(pa.nanos(), pb.nanos()));
            }
            alice.type("msg bob first message");
            Line first = bob.nextTimedLine(l -> l.startsWith("direct alice "), STEP);
            assertThat(first.text()).isEqualTo("direct alice first message");
            String path = punch ? "direct punched=true" : "relayed punched=false";
            bob.type("path " + a[1]);
            assertThat(bob.nextLine(l -> l.startsWith("path "), STEP)).isEqualTo("path " + a[1] + " " + path);
            alice.type("path " + b[1]);
            assertThat(alice.nextLine(l -> l.startsWith("path "), STEP)).isEqualTo("path " + b[1] + " " + path);

            double mibps = nexoTransfer(alice, bob);
            long forwarded = relayedBytes() - bytesBefore;
            if (punch) {
                assertThat(forwarded).as("bytes through the relay after the punch").isLessThan(size / 8);
            } else {
                assertThat(forwarded).as("bytes through the relay").isGreaterThanOrEqualTo(size);
            }
            return new Run(millis(t0, Math.max(aliceReady.nanos(), bobReady.nanos())), millis(t0, verdict.nanos()),
                    millis(t0, reserved.nanos()),
                    millis(t0, session.nanos()), punched, millis(t0, first.nanos()), mibps);
        }
    }

    /** bob fetches alice's file: MiB/s from his {@code get} to the last verified chunk; SHA-256 equal. */
    private double nexoTransfer(LabProcess alice, LabProcess bob) throws Exception {
        alice.type("share " + file);
        String shared = alice.nextLine(l -> l.startsWith("shared ") || l.startsWith("error "), STEP);
        assertThat(shared).startsWith("shared ");
        String id = shared.split(" ")[1];
        await().atMost(STEP).until(() -> {
            bob.type("has " + id);
            return bob.nextLine(l -> l.startsWith("has " + id), STEP).endsWith(" true");
        });
        bob.type("get " + id);
        String fetched = bob.nextLine(l -> l.startsWith("fetched " + id) || l.startsWith("failed ")
                || l.startsWith("error "), TRANSFER);
        assertThat(fetched).startsWith("fetched ");
        assertThat(bob.nextLine(l -> l.startsWith("complete "), STEP)).isEqualTo("complete " + id + " " + sha);
        return mibps(size, Long.parseLong(fetched.split(" ")[2]));
    }

    /** The file from alice's host to bob's through a plain TCP splice on the relay's host. */
    private Run rawRelayed() throws Exception {
        try (LabProcess alice = aliceHost.java(JVM, "raw-alice", RawCopyMain.class, "side");
             LabProcess bob = bobHost.java(JVM, "raw-bob", RawCopyMain.class, "side")) {
            bob.type("recv " + spliceAt);
            assertThat(bob.nextLine(l -> l.startsWith("connected") || l.startsWith("failed "), STEP))
                    .isEqualTo("connected");
            alice.type("send " + spliceAt + " " + file);
            return Run.raw(rawReceived(alice, bob));
        }
    }

    /** The file from alice's host to bob's over a plain-socket simultaneous open through both NATs. */
    private Run rawDirect() throws Exception {
        try (LabProcess alice = aliceHost.java(JVM, "raw-alice", RawCopyMain.class, "side");
             LabProcess bob = bobHost.java(JVM, "raw-bob", RawCopyMain.class, "side")) {
            alice.type("listen");
            bob.type("listen");
            String alicePort = alice.nextLine(l -> l.startsWith("port ") || l.startsWith("failed "), STEP).split(" ")[1];
            String bobPort = bob.nextLine(l -> l.startsWith("port ") || l.startsWith("failed "), STEP).split(" ")[1];
            bob.type("punch-recv " + aliceHost.publicAddress().getHostAddress() + ":" + alicePort);
            alice.type("punch-send " + bobHost.publicAddress().getHostAddress() + ":" + bobPort + " " + file);
            return Run.raw(rawReceived(alice, bob));
        }
    }

    private double rawReceived(LabProcess alice, LabProcess bob) throws InterruptedException {
        assertThat(alice.nextLine(l -> l.startsWith("sent ") || l.startsWith("failed "), TRANSFER)).isEqualTo("sent " + size);
        String[] got = bob.nextLine(l -> l.startsWith("received ") || l.startsWith("failed "), TRANSFER).split(" ");
        assertThat(got[0] + " " + got[1]).isEqualTo("received " + size);
        return mibps(size, Long.parseLong(got[2]));
    }

    private long relayedBytes() throws IOException, InterruptedException {
        relay.type("relaystats");
        return Long.parseLong(relay.nextLine(l -> l.startsWith("relaystats "), STEP).split(" ")[1]);
    }

    private void summary(Map<Mode, List<Run>> runs) throws IOException {
        List<Run> relayed = runs.get(Mode.RELAYED);
        List<Run> direct = runs.get(Mode.DIRECT);
        double rawRelayed = median(runs.get(Mode.RAW_RELAYED), Run::mibps);
        double rawDirect = median(runs.get(Mode.RAW_DIRECT), Run::mibps);
        say(String.format("median relayed: first message %.0f ms (both ready %.0f, alice private %.0f, reserved %.0f,"
                        + " relayed session %.0f); %.1f MiB/s, %.3f of raw relayed %.1f MiB/s",
                median(relayed, Run::firstMessage), median(relayed, Run::ready), median(relayed, Run::privateVerdict),
                median(relayed, Run::reserved),
                median(relayed, Run::session), median(relayed, Run::mibps), median(relayed, Run::mibps) / rawRelayed,
                rawRelayed));
        say(String.format("median direct: first message %.0f ms (both ready %.0f, alice private %.0f, reserved %.0f,"
                        + " relayed session %.0f, punched %.0f); %.1f MiB/s, %.3f of raw direct %.1f MiB/s",
                median(direct, Run::firstMessage), median(direct, Run::ready), median(direct, Run::privateVerdict),
                median(direct, Run::reserved),
                median(direct, Run::session), median(direct, Run::punched), median(direct, Run::mibps),
                median(direct, Run::mibps) / rawDirect, rawDirect));
        for (Mode m : List.of(Mode.RELAYED, Mode.DIRECT)) {
            List<Run> r = runs.get(m);
            say(String.format("median %s, steps: start to both ready %.0f ms; then to private %.0f, reserved +%.0f,"
                            + " relayed session +%.0f%s, first message +%.0f (%.0f ms from both ready)",
                    m.name().toLowerCase(), median(r, Run::ready), median(r, x -> x.privateVerdict() - x.ready()),
                    median(r, x -> x.reserved() - x.privateVerdict()), median(r, x -> x.session() - x.reserved()),
                    m == Mode.DIRECT ? String.format(", punched +%.0f", median(r, x -> x.punched() - x.session())) : "",
                    median(r, x -> x.firstMessage() - (m == Mode.DIRECT ? x.punched() : x.session())),
                    median(r, x -> x.firstMessage() - x.ready())));
        }
        say(String.format("median relayed/direct: %.3f (nexo), %.3f (raw)",
                median(relayed, Run::mibps) / median(direct, Run::mibps), rawRelayed / rawDirect));
    }

    private static String describe(Run r) {
        if (r.firstMessage() < 0) {
            return String.format("%8.1f MiB/s", r.mibps());
        }
        return String.format("%8.1f MiB/s  first message %5d ms (ready %d, private %d, reserved %d, session %d%s)",
                r.mibps(), r.firstMessage(), r.ready(), r.privateVerdict(), r.reserved(), r.session(),
                r.punched() < 0 ? "" : ", punched " + r.punched());
    }

    private void say(String line) throws IOException {
        System.out.println("nat-figures: " + line);
        if (out != null) {
            Files.writeString(out, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    private static double mibps(long bytes, long millis) {
        return bytes / 1048576.0 / (Math.max(1, millis) / 1000.0);
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v.trim();
    }

    /** {@code 256MiB}, {@code 1GiB}, {@code 512KiB} or a number of bytes. */
    static long parseSize(String s) {
        String[][] units = {{"GiB", "30"}, {"MiB", "20"}, {"KiB", "10"}};
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                return Long.parseLong(s.substring(0, s.length() - 3).trim()) << Integer.parseInt(u[1]);
            }
        }
        return Long.parseLong(s);
    }

    /** Writes {@code size} pseudo-random bytes (fixed seed); their SHA-256. */
    private static String writeRandom(Path file, long size) throws Exception {
        byte[] buf = new byte[1 << 20];
        Random random = new Random(15);
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (OutputStream o = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buf.length) {
                random.nextBytes(buf);
                int n = (int) Math.min(buf.length, left);
                o.write(buf, 0, n);
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
