package io.nexo.tools.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time this JVM spent over a measured interval: the whole process (JIT and GC threads included)
 * and the Java threads grouped by name with their numbers stripped ({@code nexo-files-verify-3} counts
 * as {@code nexo-files-verify-#}), plus the JVM's JIT compiler and GC threads ({@link JvmThreadCpu}),
 * largest first. A thread that ended during the interval is missing
 * from the groups but not from the process total.
 *
 * @param processNanos CPU time of the whole process, user and system
 * @param byThreadGroup CPU time per thread group, nanoseconds, largest first
 */
public record CpuUse(long processNanos, Map<String, Long> byThreadGroup) {

    public CpuUse {
        byThreadGroup = Map.copyOf(byThreadGroup);
    }

    /** Process CPU-seconds per GiB moved. */
    public double secondsPerGib(long bytes) {
        return processNanos / 1e9 / (bytes / (double) (1L << 30));
    }

    /** CPU time of the JIT compiler threads (0 when they could not be read). */
    public long jitNanos() {
        return byThreadGroup.getOrDefault(JvmThreadCpu.JIT, 0L);
    }

    /** The groups, largest first. */
    public Map<String, Long> sortedGroups() {
        Map<String, Long> sorted = new LinkedHashMap<>();
        byThreadGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    /** Started when made; {@link #stop()} gives the CPU used since. */
    static final class Meter {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final long processStart = processCpuNanos();
        private final Map<Long, Long> threadStart = new HashMap<>();
        private final Map<String, Long> jvmStart = JvmThreadCpu.now();

        Meter() {
            for (long id : threads.getAllThreadIds()) {
                threadStart.put(id, Math.max(0, threads.getThreadCpuTime(id)));
            }
        }

        CpuUse stop() {
            long process = processCpuNanos() - processStart;
            Map<String, Long> groups = new HashMap<>();
            for (long id : threads.getAllThreadIds()) {
                long now = threads.getThreadCpuTime(id);
                ThreadInfo info = threads.getThreadInfo(id);
                if (now < 0 || info == null) {
                    continue; // ended meanwhile
                }
                long used = now - threadStart.getOrDefault(id, 0L);
                groups.merge(info.getThreadName().replaceAll("\\d+", "#"), used, Long::sum);
            }
            JvmThreadCpu.now().forEach((group, nanos) ->
                    groups.put(group, Math.max(0, nanos - jvmStart.getOrDefault(group, 0L))));
            return new CpuUse(process, groups);
        }

        private static long processCpuNanos() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getProcessCpuTime();
            }
            return -1;
        }
    }
}
