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
                "ratio to live nodes, p50/p99 propagation latency and duplicate copies per",
                "delivery.",
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

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed of topology and origins (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Logging.quietUnlessAsked();
        if (killPercent < 0 || killPercent >= 100) {
            throw new UsageException("--kill: " + killPercent + " (expected: 0-99)");
        }
        List<GossipBench.Params> runs = new ArrayList<>();
        int warmup = Math.min(200, Math.max(20, messages / 5));
        runs.add(new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.FLOOD, 0, warmup, seed));
        runs.add(new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.PLUMTREE, 0, warmup, seed));
        if (killPercent > 0) {
            runs.add(new GossipBench.Params(nodes, degree, messages, size, rate, GossipParams.Mode.PLUMTREE,
                    killPercent / 100.0, warmup, seed));
        }
        List<GossipBench.Result> results = new ArrayList<>();
        for (GossipBench.Params p : runs) {
            out.println("== " + label(p));
            out.flush();
            results.add(new GossipBench(p, line -> {
                out.println("   " + line);
                out.flush();
            }).run());
        }
        out.printf("%nnexo bench gossip --nodes %d --degree %d --messages %d --size %d --rate %d (TLS %s)%n",
                nodes, degree, messages, size, rate, results.get(0).tls());
        out.printf("%-22s %6s %10s %9s %9s %9s %11s%n", "run", "live", "delivery", "p50 ms", "p99 ms", "max ms", "dup/deliv");
        for (GossipBench.Result r : results) {
            out.printf("%-22s %6d %9.3f%% %9.2f %9.2f %9.2f %11.2f%n", label(r.params()), r.liveNodes(),
                    100.0 * r.deliveryRatio(), r.p50Millis(), r.p99Millis(), r.maxMillis(), r.duplicatesPerDelivery());
        }
        long repeated = results.stream().mapToLong(GossipBench.Result::repeatedDeliveries).sum();
        if (repeated > 0) {
            out.printf("WARNING: %d messages delivered twice to the same node (gossip must deliver once)%n", repeated);
        }
        GossipBench.Result flood = results.get(0);
        GossipBench.Result tree = results.get(1);
        out.printf("plumtree / flood: duplicates x%.3f, p99 latency x%.2f%n",
                flood.duplicatesPerDelivery() == 0 ? 0 : tree.duplicatesPerDelivery() / flood.duplicatesPerDelivery(),
                flood.p99Millis() == 0 ? 0 : tree.p99Millis() / flood.p99Millis());
        out.flush();
        return ExitCodes.OK;
    }

    private static String label(GossipBench.Params p) {
        return p.mode().name().toLowerCase() + (p.killFraction() > 0 ? " kill " + Math.round(p.killFraction() * 100) + "%" : "");
    }
}
