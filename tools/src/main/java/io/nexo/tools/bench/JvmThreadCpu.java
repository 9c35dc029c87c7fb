package io.nexo.tools.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of the JVM's own threads, which {@code ThreadMXBean} does not list: the JIT compilers
 * ({@code C1/C2 CompilerThread}) and the garbage collector ({@code GC Thread#}, {@code VM Thread}),
 * read from {@code /proc/self/task/TID/stat} (Linux; empty elsewhere). Resolution is the kernel's
 * clock tick (10 ms at the usual 100 Hz), enough over a download of a second or more. The bench
 * reports the JIT's share of the measured window with it: a node that has run for a while has
 * compiled its hot paths, Syncthing is compiled ahead of time.
 */
final class JvmThreadCpu {

    /** Group of the JIT compiler threads. */
    static final String JIT = "JIT compilers (C1, C2)";
    /** Group of the collector's threads. */
    static final String GC = "GC and VM threads";
    /** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux nexo runs on). */
    private static final long TICKS_PER_SECOND = 100;
    private static final Path TASKS = Path.of("/proc/self/task");

    private JvmThreadCpu() {
    }

    /** CPU nanoseconds used so far by each group's live threads; empty when /proc cannot be read. */
    static Map<String, Long> now() {
        Map<String, Long> groups = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return groups;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String group = groupOf(commOf(stat));
                    if (group != null) {
                        groups.merge(group, ticksOf(stat) * (1_000_000_000L / TICKS_PER_SECOND), Long::sum);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we listed it: it is simply not counted
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return groups;
    }

    /** The thread's name: what stands between the first '(' and the last ')' (a name may hold either). */
    static String commOf(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    }

    /** utime + stime, fields 14 and 15 of the stat line (counted from 1; the name is field 2). */
    static long ticksOf(String stat) {
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
    }

    static String groupOf(String comm) {
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
            return JIT;
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("VM Thread") || comm.startsWith("G1 ")) {
            return GC;
        }
        return null;
    }
}
