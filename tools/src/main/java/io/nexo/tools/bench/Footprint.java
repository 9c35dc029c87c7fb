package io.nexo.tools.bench;

import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the JVM holds at one moment, to tell what many nodes in one process cost each: heap in use
 * after a full collection, direct memory (Netty's pooled arenas and the JDK's direct buffers), and
 * the names of live threads.
 *
 * @param heapBytes   heap in use after {@code System.gc()}
 * @param directBytes direct memory in use: Netty's own (cleaner-less) allocations plus JDK direct
 *                    buffers (two disjoint counters; Netty's pooled arenas are in one or the other)
 * @param threads     names of the live threads
 */
record Footprint(long heapBytes, long directBytes, Set<String> threads) {

    /** Collects garbage first, so the heap figure is what is live. Takes a second or so on a large heap. */
    static Footprint take() {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = Math.max(0, PlatformDependent.usedDirectMemory()); // -1 when Netty does not count
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct += pool.getMemoryUsed();
            }
        }
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.add(t.getName());
        }
        return new Footprint(heap, direct, names);
    }

    /**
     * Threads alive now that were not {@code before}, other than those named with {@code sharedPrefix}
     * (the shared event loops): the threads the nodes started of their own.
     */
    Set<String> newThreads(Footprint before, String sharedPrefix) {
        Set<String> fresh = new TreeSet<>(threads);
        fresh.removeAll(before.threads);
        fresh.removeIf(n -> n.startsWith(sharedPrefix));
        return fresh;
    }
}
