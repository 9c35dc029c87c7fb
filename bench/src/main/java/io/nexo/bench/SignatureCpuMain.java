package io.nexo.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The operations of {@link SignatureBenchmark}, timed in the CPU time of the thread that runs them
 * rather than wall time, the variants alternating round by round (A B C ... A B C ...): on a machine
 * shared with other work, JMH's wall-clock averages measure the queue for a CPU, while CPU time per
 * operation and ratios taken in one run hold. The JIT's and the collector's threads are not counted
 * (the JCA paths allocate more, so this favours them slightly). Prints, per operation, the median over the rounds of CPU
 * microseconds per operation and its ratio to the first operation of its group.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.nexo.bench.SignatureCpuMain [rounds] [cpu-ms-per-batch]
 * </pre>
 */
public final class SignatureCpuMain {

    private SignatureCpuMain() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        long batchNanos = (args.length > 1 ? Long.parseLong(args[1]) : 300) * 1_000_000L;
        SignatureBenchmark b = new SignatureBenchmark();
        b.setUp();
        Map<String, Callable<Object>> ops = new LinkedHashMap<>();
        ops.put("verify JCA BC, key parsed once (before)", b::verifyJcaBouncyCastle);
        ops.put("verify JCA BC, key parsed per check", b::verifyJcaBouncyCastleNewKey);
        ops.put("verify JCA SunEC, key parsed once", b::verifyJcaSunEc);
        ops.put("verify lightweight, key cached (now)", b::verifyLightCached);
        ops.put("verify lightweight, cache lookup + verify", b::verifyLightLookup);
        ops.put("verify lightweight, key parsed per check", b::verifyLightNewKey);
        ops.put("sign JCA BC (before)", b::signJcaBouncyCastle);
        ops.put("sign JCA SunEC", b::signJcaSunEc);
        ops.put("sign lightweight (now)", b::signLight);
        ops.put("SHA-256 Bouncy Castle, 1119 bytes", b::sha256BouncyCastle);
        ops.put("SHA-256 JDK, 1119 bytes", b::sha256Jdk);
        String[] groupFirst = {"verify JCA BC, key parsed once (before)", "sign JCA BC (before)",
            "SHA-256 Bouncy Castle, 1119 bytes"};

        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        Map<String, Integer> perBatch = new LinkedHashMap<>();
        for (int pass = 0; pass < 2; pass++) { // warm-up (the JIT), then calibration: a batch of about batchNanos
            for (Map.Entry<String, Callable<Object>> op : ops.entrySet()) {
                long start = cpu.getCurrentThreadCpuTime();
                int n = 0;
                while (cpu.getCurrentThreadCpuTime() - start < 3 * batchNanos) {
                    op.getValue().call();
                    n++;
                }
                perBatch.put(op.getKey(), Math.max(1, n / 3));
            }
        }
        Map<String, List<Double>> micros = new LinkedHashMap<>();
        ops.keySet().forEach(k -> micros.put(k, new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Callable<Object>> op : ops.entrySet()) {
                int n = perBatch.get(op.getKey());
                long start = cpu.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    op.getValue().call();
                }
                micros.get(op.getKey()).add((cpu.getCurrentThreadCpuTime() - start) / 1e3 / n);
            }
        }
        double base = 0;
        System.out.printf("%-45s %12s %10s   %s%n", "operation", "cpu us/op", "ratio", "rounds (cpu us/op)");
        for (Map.Entry<String, List<Double>> e : micros.entrySet()) {
            double median = median(e.getValue());
            if (Arrays.asList(groupFirst).contains(e.getKey())) {
                base = median;
            }
            System.out.printf("%-45s %12.1f %9.2fx   %s%n", e.getKey(), median, median / base,
                    e.getValue().stream().map(v -> String.format("%.1f", v)).toList());
        }
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
