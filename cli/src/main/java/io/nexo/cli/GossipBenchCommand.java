package io.nexo.cli;



import io.nexo.tools.bench.GossipBench;
import io.nexo.p2p.gossip.GossipParams;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code nexo bench gossip}: plain flooding and Plumtree side by side on the same topology, and
 * Plumtree again with nodes killed halfway.
 */
@Command(name = "gossip",
        mixinStandardHelpOptions = true,
        header = "Gossip delivery, latency, duplicates: flood vs Plumtree.",
        sortOptions = false,
        description = {
                "Runs N peer nodes in this JVM over loopback TLS, each dialling D/2 random",
                "others, and broadcasts M messages of BYTES bytes at MSGS/s from random nodes:",
                "once with plain flooding (the baseline), once with Plumtree, and once with",
                "Plumtree while PERCENT of the nodes are stopped halfway. Prints the delivery",
                "ratio to live nodes, p50/p99 propagation latency (and its tail: p90, p99.9,",
                "the share of deliveries over 100 ms) and duplicate copies per delivery.",
                "With --attackers K: Plumtree without attackers, then with K of the",
                "N nodes attacking their neighbours, both with a node's default limits, and",
                "each run's peak memory.",
                ""})
public final class GossipBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "100", description = "Nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--degree", paramLabel = "D", defaultValue = "8", description = "Mean degree (default: ${DEFAULT-VALUE}).")
    int degree;

    @Option(names = "--messages", paramLabel = "M", defaultValue = "1000",
            description = "Measured messages per run (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "1024", description = "Message size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rate", paramLabel = "MSGS", defaultValue = "100",
            description = "Messages per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--kill", paramLabel = "PERCENT", defaultValue = "20",
            description = "Nodes stopped halfway through the third run; 0 skips that run (default: ${DEFAULT-VALUE}).")
    int killPercent;

    @Option(names = "--attackers", paramLabel = "K", defaultValue = "0",
            description = "Hostile nodes among N; >0 runs Plumtree without and with them instead (default: ${DEFAULT-VALUE}).")
    int attackers;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed of topology and origins (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--verify", paramLabel = "MODE", defaultValue = "per-node",
            description = "per-node: every node verifies every signature itself, as on separate machines; "
                    + "shared: nodes verify each distinct signature once per process (default: ${DEFAULT-VALUE}).")
    String verify;

    @Option(names = "--compare-unsigned", description = "Also run Plumtree with signing off, right after the signed "
            + "run, and print the cost of signing (the benchmark only: nodes always sign).")
    boolean compareUnsigned;

    @Option(names = "--backup-wait", paramLabel = "MS", defaultValue = "0",
            description = "Plumtree backup links: a duplicate at the eager floor prunes softly, the link then "
                    + "announces ids at once and a missing one is grafted after MS ms; 0 = off (default: ${DEFAULT-VALUE}).")
    long backupWaitMillis;

    @Option(names = "--no-warmup-pass", description = "Measure from a cold JVM: skip the uncounted Plumtree pass "
            + "(half as many messages) that runs first so the JIT's compilations stay out of the measured runs.")
    boolean noWarmupPass;

    @Option(names = "--no-flood", description = "Skip the flooding baseline (it costs several times Plumtree's work).")
    boolean noFlood;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Logging.quietUnlessAsked();
        if (killPercent < 0 || killPercent >= 100) {
            throw new UsageException("--kill: " + killPercent + " (expected: 0-99)");
        }
        if (!verify.equals("per-node") && !verify.equals("shared")) {
            throw new UsageException("--verify: " + verify + " (expected: per-node or shared)");
        }
        if (attackers < 0 || attackers >= nodes - degree) {
            throw new UsageException("--attackers: " + attackers + " (expected: 0 to " + (nodes - degree - 1) + ")");
        }
        long maxWait = GossipParams.defaults().graftTimeout().toMillis();
        if (backupWaitMillis < 0 || backupWaitMillis > maxWait) {
            throw new UsageException("--backup-wait: " + backupWaitMillis + " (expected: 0 (off) to " + maxWait + " ms)");
        }
        boolean shared = verify.equals("shared");
        int warmup = Math.min(200, Math.max(20, messages / 5));
        if (attackers > 0) {
            Logging.errorsOnlyUnlessAsked(); // every refused attack is a warning
            return underAttack(out, warmup, shared);
        }
        List<GossipBench.Params> runs = new ArrayList<>();
        if (!noFlood) {
            runs.add(new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.FLOOD, 0, warmup, seed,
                    true, shared));
        }
        runs.add(new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.PLUMTREE, 0, warmup, seed,
                true, shared));
        if (compareUnsigned) {
            runs.add(new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.PLUMTREE, 0, warmup,
                    seed, false, shared));
        }
        if (killPercent > 0) {
            runs.add(new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.PLUMTREE,
                    killPercent / 100.0, warmup, seed, true, shared));
        }
        if (!noWarmupPass) {
            // The JIT compiles the nodes' hot paths during the first run of the process, on the same
            // cores: the first measured run would carry those compilations in its p99 and its CPU
            // (seconds of C2; docs/benchmarks.md). One pass, half as long and not counted, of each kind
            // of node measured below (signed, and unsigned with --compare-unsigned), so the runs
            // compare warm nodes, as on a node that has run a while.
            int warmMessages = Math.max(warmup + 100, messages / 2);
            for (boolean signed : compareUnsigned ? new boolean[] {true, false} : new boolean[] {true}) {
                GossipBench.Params p = new GossipBench.Params(nodes, degree, warmMessages, size, rate,
                        GossipParams.Mode.PLUMTREE, 0, warmup, seed, signed, shared);
                run(out, "warm-up pass, not counted: " + label(p), p);
            }
        }
        List<GossipBench.Result> results = new ArrayList<>();
        for (GossipBench.Params p : runs) {
            if (p.mode() == GossipParams.Mode.PLUMTREE) {
                p = p.withBackupWait(java.time.Duration.ofMillis(backupWaitMillis));
            }
            results.add(run(out, label(p), p));
        }
        out.printf("%nnexo bench gossip --nodes %d --degree %d --messages %d --size %d --rate %d --verify %s (TLS %s)%n",
                nodes, degree, messages, size, rate, verify, results.get(0).tls());
        out.printf("%-22s %6s %10s %9s %9s %9s %11s %12s%n", "run", "live", "delivery", "p50 ms", "p99 ms", "max ms",
                "dup/deliv", "cpu us/deliv");
        for (GossipBench.Result r : results) {
            out.printf("%-22s %6d %9.3f%% %9.2f %9.2f %9.2f %11.2f %12.1f%n", label(r.params()), r.liveNodes(),
                    100.0 * r.deliveryRatio(), r.p50Millis(), r.p99Millis(), r.maxMillis(), r.duplicatesPerDelivery(),
                    r.cpuMicrosPerDelivery());
        }
        for (GossipBench.Result r : results) {
            out.printf("latency tail (%s): p90 %.2f ms, p99.9 %.2f ms, %.3f%% of deliveries over 100 ms%n",
                    label(r.params()), r.p90Millis(), r.p999Millis(), 100.0 * r.over100MillisShare());
        }
        GossipBench.Result first = results.get(0);
        out.printf("per node: %d KiB heap once connected, %d KiB after the messages (with its caches), %d KiB direct; "
                + "threads of its own: %s%n", first.heapPerNode() >> 10, first.heapPerNodeAfter() >> 10,
                first.directPerNode() >> 10, first.nodeThreads().isEmpty() ? "none" : first.nodeThreads());
        long repeated = results.stream().mapToLong(GossipBench.Result::repeatedDeliveries).sum();
        if (repeated > 0) {
            out.printf("WARNING: %d messages delivered twice to the same node (gossip must deliver once)%n", repeated);
        }
        GossipBench.Result tree = results.get(noFlood ? 0 : 1);
        out.printf("signatures (plumtree): %d verified, %.1f us of CPU each, %d answered by the shared memo%n",
                tree.verified(), tree.microsPerVerification(), tree.sharedHits());
        out.printf("lazy push (plumtree): %.2f IHave frames per delivery, %.2f ids per delivery left unannounced "
                + "(the peer had shown it held them)%n", tree.ihaveFramesPerDelivery(),
                tree.delivered() == 0 ? 0 : (double) tree.ihaveSkipped() / tree.delivered());
        for (GossipBench.Result r : results) {
            if (!r.params().backupWait().isZero()) {
                out.printf("backup fallbacks (%s): %d (a live node's timers ran late: it kept its eager floor "
                        + "without backups for a hold)%n", label(r.params()), r.backupFallbacks());
            }
        }
        if (!noFlood) {
            GossipBench.Result flood = results.get(0);
            out.printf("plumtree / flood: duplicates x%.3f, p99 latency x%.2f%n",
                    flood.duplicatesPerDelivery() == 0 ? 0 : tree.duplicatesPerDelivery() / flood.duplicatesPerDelivery(),
                    flood.p99Millis() == 0 ? 0 : tree.p99Millis() / flood.p99Millis());
        }
        if (compareUnsigned) {
            GossipBench.Result unsigned = results.get(noFlood ? 1 : 2);
            out.printf("signed / unsigned: p99 %.2f / %.2f ms (x%.2f), cpu per delivery %.1f / %.1f us (+%.1f us)%n",
                    tree.p99Millis(), unsigned.p99Millis(),
                    unsigned.p99Millis() == 0 ? 0 : tree.p99Millis() / unsigned.p99Millis(),
                    tree.cpuMicrosPerDelivery(), unsigned.cpuMicrosPerDelivery(),
                    tree.cpuMicrosPerDelivery() - unsigned.cpuMicrosPerDelivery());
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The run without attackers and the run with them, on a node's default limits, side by side. */
    private int underAttack(PrintWriter out, int warmup, boolean shared) throws Exception {
        List<GossipBench.Result> results = new ArrayList<>();
        for (int k : new int[] {0, attackers}) {
            GossipBench.Params p = new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.PLUMTREE,
                    0, warmup, seed, true, shared, k, true);
            results.add(run(out, "plumtree, " + k + " attackers", p));
        }
        out.printf("%nnexo bench gossip --nodes %d --degree %d --messages %d --size %d --rate %d --verify %s --attackers %d "
                + "(TLS %s)%n", nodes, degree, messages, size, rate, verify, attackers, results.get(0).tls());
        out.printf("%-10s %6s %10s %9s %9s %9s %13s %13s %10s %10s%n", "attackers", "honest", "delivery", "p50 ms",
                "p99 ms", "max ms", "node max KiB", "node med KiB", "heap MiB", "direct MiB");
        for (GossipBench.Result r : results) {
            out.printf("%-10d %6d %9.3f%% %9.2f %9.2f %9.2f %13.1f %13.1f %10.1f %10.1f%n", r.params().attackers(),
                    r.liveNodes(), 100.0 * r.deliveryRatio(), r.p50Millis(), r.p99Millis(), r.maxMillis(),
                    r.memory().nodeMax() / 1024.0, r.memory().nodeMedian() / 1024.0,
                    r.memory().heap() / 1048576.0, r.memory().direct() / 1048576.0);
        }
        GossipBench.Result calm = results.get(0);
        GossipBench.Result attacked = results.get(1);
        out.printf("attacks sent %d, attacker sessions opened %d, cut by the nodes %d, reconnects refused %d%n",
                attacked.attacks().attacksSent(), attacked.attacks().sessionsOpened(),
                attacked.attacks().sessionsLost(), attacked.attacks().reconnectsFailed());
        out.printf("with / without attackers: node peak x%.2f, heap peak x%.2f, direct peak x%.2f, p99 x%.2f%n",
                ratio(attacked.memory().nodeMax(), calm.memory().nodeMax()),
                ratio(attacked.memory().heap(), calm.memory().heap()),
                ratio(attacked.memory().direct(), calm.memory().direct()),
                calm.p99Millis() == 0 ? 0 : attacked.p99Millis() / calm.p99Millis());
        long repeated = results.stream().mapToLong(GossipBench.Result::repeatedDeliveries).sum();
        if (repeated > 0) {
            out.printf("WARNING: %d messages delivered twice to the same node (gossip must deliver once)%n", repeated);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** One run, its progress lines indented under its label. */
    private static GossipBench.Result run(PrintWriter out, String label, GossipBench.Params p) throws Exception {
        out.println("== " + label);
        out.flush();
        return new GossipBench(p, line -> {
            out.println("   " + line);
            out.flush();
        }).run();
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    private static String label(GossipBench.Params p) {
        return p.mode().name().toLowerCase() + (p.backupWait().isZero() ? "" : " backups")
                + (p.signed() ? "" : " unsigned")
                + (p.killFraction() > 0 ? " kill " + Math.round(p.killFraction() * 100) + "%" : "");
    }
}
