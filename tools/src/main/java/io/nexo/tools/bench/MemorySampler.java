package io.nexo.tools.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.resource.ResourceManager;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;

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
    private AtomicLongArray nodePeaks = new AtomicLongArray(0);
    private long heapPeak;
    private long directPeak;
    private ScheduledExecutorService timer;
    /** The last pass's answers: a pass is skipped while they are not all in (starved loops). */
    private CompletableFuture<Void> pass = CompletableFuture.completedFuture(null);

    MemorySampler(List<PeerNode> nodes) {
        this.nodes = nodes;
    }

    synchronized void start() {
        if (timer == null) {
            nodePeaks = new AtomicLongArray(nodes.size());
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bench-memory");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::sample, 0, EVERY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Stops sampling (after one last sample, waited for up to 10 s); idempotent. */
    void stop() {
        CompletableFuture<Void> last;
        synchronized (this) {
            if (timer == null) {
                return;
            }
            timer.shutdownNow();
            timer = null;
            last = sample();
        }
        try {
            last.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a node that stopped or did not answer: its peak is what the earlier passes saw
        }
    }

    /**
     * One pass; completes once every node answered (a stopped node's answer is a failure, skipped).
     * While the last pass's answers are still queued on the nodes' loops, the nodes are skipped: the
     * queue of asks stays bounded by one pass however starved the loops are.
     */
    private synchronized CompletableFuture<Void> sample() {
        heapPeak = Math.max(heapPeak, memory.getHeapMemoryUsage().getUsed());
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider m) {
            directPeak = Math.max(directPeak, m.metric().usedDirectMemory());
        }
        if (!pass.isDone()) {
            return pass;
        }
        AtomicLongArray peaks = nodePeaks;
        CompletableFuture<?>[] answers = new CompletableFuture<?>[peaks.length()];
        for (int i = 0; i < answers.length; i++) {
            int index = i;
            PeerNode n = nodes.get(i);
            ResourceManager.Stats r = n.resources().stats(); // thread-safe, read here
            long queued = r.outboundBytes() + r.pendingBytes();
            answers[i] = n.gossipStatsAsync()
                    .thenAccept(g -> peaks.accumulateAndGet(index, queued + g.cachedBytes(), Math::max));
        }
        pass = CompletableFuture.allOf(answers);
        return pass;
    }

    synchronized Peaks peaks() {
        long[] sorted = new long[nodePeaks.length()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = nodePeaks.get(i);
        }
        Arrays.sort(sorted);
        return new Peaks(sorted.length == 0 ? 0 : sorted[sorted.length - 1],
                sorted.length == 0 ? 0 : sorted[sorted.length / 2], heapPeak, directPeak);
    }
}
