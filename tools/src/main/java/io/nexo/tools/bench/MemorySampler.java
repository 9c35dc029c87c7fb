package io.nexo.tools.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.nexo.p2p.node.PeerException;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.resource.ResourceManager;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Peak memory during a bench run, sampled every {@value #EVERY_MILLIS} ms. All nodes share one JVM,
 * so what is one node's is what it accounts for itself: bytes queued towards its peers and pending
 * in its handlers ({@link ResourceManager.Stats}) plus its gossip message cache. The JVM's used
 * heap and the direct memory of Netty's default allocator are taken beside, for the whole process.
 */
public final class MemorySampler {

    static final long EVERY_MILLIS = 100;

    /**
     * Peaks: {@code nodeMax} the largest of the nodes' own peaks, {@code nodeMedian} their median,
     * {@code heap} and {@code direct} the process's.
     */
    public record Peaks(long nodeMax, long nodeMedian, long heap, long direct) {
    }

    private final List<PeerNode> nodes;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private long[] nodePeaks = new long[0];
    private long heapPeak;
    private long directPeak;
    private ScheduledExecutorService timer;

    MemorySampler(List<PeerNode> nodes) {
        this.nodes = nodes;
    }

    synchronized void start() {
        if (timer == null) {
            nodePeaks = new long[nodes.size()];
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bench-memory");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::sample, 0, EVERY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Stops sampling (after one last sample); idempotent. */
    synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
            sample();
        }
    }

    private synchronized void sample() {
        for (int i = 0; i < nodePeaks.length; i++) {
            PeerNode n = nodes.get(i);
            try {
                ResourceManager.Stats r = n.resources().stats();
                nodePeaks[i] = Math.max(nodePeaks[i], r.outboundBytes() + r.pendingBytes() + n.gossipStats().cachedBytes());
            } catch (PeerException e) {
                // its control loop did not answer in time (a starved machine) or it stopped: no sample this round
            }
        }
        heapPeak = Math.max(heapPeak, memory.getHeapMemoryUsage().getUsed());
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider m) {
            directPeak = Math.max(directPeak, m.metric().usedDirectMemory());
        }
    }

    synchronized Peaks peaks() {
        long[] sorted = nodePeaks.clone();
        Arrays.sort(sorted);
        return new Peaks(sorted.length == 0 ? 0 : sorted[sorted.length - 1],
                sorted.length == 0 ? 0 : sorted[sorted.length / 2], heapPeak, directPeak);
    }
}
