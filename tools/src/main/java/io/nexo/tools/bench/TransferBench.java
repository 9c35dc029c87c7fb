package io.nexo.tools.bench;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.net.FileEvents;
import io.nexo.p2p.files.net.FileExchange;
import io.nexo.p2p.files.net.FileExchangeConfig;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code nexo bench transfer}: in one run, the raw TCP ceiling ({@link RawTcpCopy}, memory to memory)
 * and a nexo download of the same number of bytes over TLS from K seeders, every node in this JVM on
 * loopback, the shared file and the download both in {@code workDir} (tmpfs, so no disk on either
 * side). The nexo time runs from {@code /get} to the verified, renamed file: it includes the manifest
 * exchange, every chunk's SHA-256, the writes and the final check. An unmeasured download of
 * {@value #WARM_UP_BYTES} bytes first warms up the JIT, as the raw copy's warm-up does, repeated (up to
 * {@value #MAX_WARM_UPS} times) while the JIT still compiles much (not when the upload rate is capped:
 * the link is the limit then).
 */
public final class TransferBench {

    /**
     * What to measure.
     *
     * @param relayed   the download runs through a relay node (one seeder, reserved on the relay; the
     *                  downloader dials it as {@code ID@relay:HOST:PORT})
     * @param warmPages right before the file copy and again right before the download, write and
     *                  delete a scratch file of {@code size} bytes, so both write into memory pages the
     *                  machine has backed already: a VM whose host takes freed memory back charges the
     *                  first write to each page of it (several times the copy) to whoever writes next
     */
    public record Params(long size, int seeders, Path workDir, long uploadBytesPerSecond, boolean relayed,
                         boolean warmPages) {
        public Params {
            if (size <= 0) {
                throw new IllegalArgumentException("size: " + size + " (expected: > 0)");
            }
            if (seeders < 1 || seeders > 16) {
                throw new IllegalArgumentException("seeders: " + seeders + " (expected: 1-16)");
            }
            if (relayed && seeders != 1) {
                throw new IllegalArgumentException("seeders: " + seeders + " (expected: 1 with relayed)");
            }
        }

        public Params(long size, int seeders, Path workDir, long uploadBytesPerSecond) {
            this(size, seeders, workDir, uploadBytesPerSecond, false, false);
        }
    }

    /** Measured rates, bytes per second. */
    public record Result(long size, int seeders, double rawBytesPerSecond, double rawFileBytesPerSecond,
                         double nexoBytesPerSecond, String tlsProvider, List<Long> chunksPerSeeder,
                         MemoryPeaks memory, CpuUse cpu, long reservationNanos, long relayedSessionNanos,
                         long relayedBytes) {
        /** nexo against the memory-to-memory copy: the figure of the target. */
        public double ratio() {
            return nexoBytesPerSecond / rawBytesPerSecond;
        }

        /** nexo against the file-to-file copy (same source and sink as the download). */
        public double fileRatio() {
            return nexoBytesPerSecond / rawFileBytesPerSecond;
        }
    }

    /**
     * Highest memory in use in this JVM (all nodes) while the measured download ran, sampled every
     * 10 ms: heap used (garbage included), Netty's direct memory (-1 when Netty does not count it)
     * and the JDK's direct buffers. Flat across file sizes means nothing grows with the file.
     */
    public record MemoryPeaks(long heapUsed, long nettyDirect, long jdkDirect) {
    }

    /** Samples {@link MemoryPeaks} on a daemon thread until closed. */
    private static final class MemorySampler implements AutoCloseable {
        private final java.lang.management.MemoryMXBean heap = java.lang.management.ManagementFactory.getMemoryMXBean();
        private final java.lang.management.BufferPoolMXBean direct = java.lang.management.ManagementFactory
                .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElse(null);
        private final Thread thread;
        private volatile boolean stop;
        private long heapPeak;
        private long nettyPeak = -1;
        private long jdkPeak;

        MemorySampler() {
            thread = new Thread(() -> {
                while (!stop) {
                    sample();
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-memory");
            thread.setDaemon(true);
            thread.start();
        }

        private synchronized void sample() {
            heapPeak = Math.max(heapPeak, heap.getHeapMemoryUsage().getUsed());
            nettyPeak = Math.max(nettyPeak, io.netty.util.internal.PlatformDependent.usedDirectMemory());
            if (direct != null) {
                jdkPeak = Math.max(jdkPeak, direct.getMemoryUsed());
            }
        }

        synchronized MemoryPeaks peaks() {
            return new MemoryPeaks(heapPeak, nettyPeak, jdkPeak);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
            sample();
        }
    }

    /** Size of the unmeasured download that warms up the JIT before the measured one. */
    static final long WARM_UP_BYTES = 512L << 20;
    /** At most this many warm-up downloads (another while the JIT keeps compiling). */
    static final int MAX_WARM_UPS = 3;

    private final Params params;
    private final Consumer<String> progress;

    public TransferBench(Params params, Consumer<String> progress) {
        this.params = params;
        this.progress = progress;
    }

    public Result run() throws Exception {
        Path dir = Files.createTempDirectory(params.workDir(), "nexo-bench-transfer-");
        List<PeerNode> nodes = new ArrayList<>();
        List<FileExchange> exchanges = new ArrayList<>();
        PeerNode relayNode = null;
        try {
            // warm up the JIT on the copy loop, then measure the ceiling
            RawTcpCopy.run(Math.min(params.size(), 256L << 20), 120);
            RawTcpCopy.Result raw = RawTcpCopy.run(params.size(), 600);
            progress.accept(String.format("raw TCP copy: %.0f MiB/s", raw.bytesPerSecond() / (1L << 20)));

            Path source = dir.resolve("source.bin");
            writeFile(source, params.size());
            int warmUps = params.uploadBytesPerSecond() == 0 ? MAX_WARM_UPS : 0;
            List<Path> warmUpSources = new ArrayList<>();
            for (int w = 0; w < warmUps; w++) {
                Path warmUpSource = dir.resolve("warm-up-" + w + ".bin");
                writeFile(warmUpSource, WARM_UP_BYTES + 1 + w); // another size: another id
                warmUpSources.add(warmUpSource);
            }
            FileId id = null;
            List<FileId> warmUpIds = new ArrayList<>();
            PeerNode relay = null;
            if (params.relayed()) {
                relay = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), "relay", new HostAndPort("127.0.0.1", 0)),
                        e -> { });
                relayNode = relay;
                relay.start();
            }
            long reservationNanos = -1;
            List<DialTarget> join = new ArrayList<>();
            for (int i = 0; i < params.seeders(); i++) {
                List<DialTarget> viaRelay = relay == null ? List.of() : List.of(DialTarget.of(relay.listenAddress()));
                long seederStart = System.nanoTime();
                FileExchange fx = start("seeder" + i, dir.resolve("seeder" + i), viaRelay, nodes, exchanges);
                if (relay != null) { // before hashing the files, which takes seconds
                    join.add(awaitRelayedAddress(nodes.get(0)));
                    reservationNanos = System.nanoTime() - seederStart;
                } else {
                    join.add(DialTarget.of(nodes.get(i).listenAddress()));
                }
                id = fx.share(source).get(0).manifest().id();
                warmUpIds.clear();
                for (Path warmUpSource : warmUpSources) {
                    warmUpIds.add(fx.share(warmUpSource).get(0).manifest().id());
                }
            }
            long downloaderStart = System.nanoTime();
            Map<FileId, CompletableFuture<Path>> done = new ConcurrentHashMap<>();
            FileExchange downloader = start("downloader", dir.resolve("downloader"), join, nodes, exchanges,
                    new FileEvents() {
                        @Override
                        public void onComplete(FileId fid, String name, Path path) {
                            done.computeIfAbsent(fid, k -> new CompletableFuture<>()).complete(path);
                        }

                        @Override
                        public void onFailed(FileId fid, String name, String reason) {
                            done.computeIfAbsent(fid, k -> new CompletableFuture<>())
                                    .completeExceptionally(new IOException(reason));
                        }
                    });
            long relayedSessionNanos = -1;
            if (relay != null) {
                PeerNode seeder = nodes.get(0);
                PeerNode downloaderNode = nodes.get(nodes.size() - 1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (downloaderNode.peers().stream().noneMatch(p -> p.id().equals(seeder.peerId()) && p.relayed())) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("the downloader did not reach the seeder through the relay");
                    }
                    Thread.sleep(5); // polling a benchmark's setup, not synchronising a test
                }
                relayedSessionNanos = System.nanoTime() - downloaderStart;
                progress.accept(String.format("relay reservation granted %.0f ms after the seeder started;"
                        + " relayed session up %.0f ms after the downloader started", reservationNanos / 1e6,
                        relayedSessionNanos / 1e6));
            }
            List<FileId> wantedIds = new ArrayList<>(warmUpIds);
            wantedIds.add(id);
            for (FileId wanted : wantedIds) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (downloader.files().stream().noneMatch(o -> o.id().equals(wanted) && o.peers() >= params.seeders())) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("the downloader did not learn of all " + params.seeders() + " seeders");
                    }
                    Thread.sleep(20); // polling a benchmark's setup, not synchronising a test
                }
            }
            // warm up the JIT on the download path too (the raw copy had its warm-up above); the
            // warm-up file stays on disk so the measured download writes into fresh pages as well.
            // Not with an upload cap: the link is then the limit, and the warm-up would crawl.
            // One download is not always enough: on a busy machine C2 was still compiling the TLS
            // and frame-decoding paths during the measured download (a quarter of its CPU), which a
            // node that has run for a while does not pay. Another warm-up runs while the JIT threads
            // took more than a tenth of the last one's CPU. Their CPU, not the JVM's compilation time:
            // that is elapsed time, which a loaded machine stretches as much as the download's.
            for (FileId warmUpId : warmUpIds) {
                CpuUse.Meter warmUpCpu = new CpuUse.Meter();
                long warmUpStart = System.nanoTime();
                downloader.get(warmUpId, Optional.empty()).get(30, TimeUnit.SECONDS);
                done.computeIfAbsent(warmUpId, k -> new CompletableFuture<>()).get(600, TimeUnit.SECONDS);
                CpuUse used = warmUpCpu.stop();
                long warmUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - warmUpStart);
                progress.accept(String.format(java.util.Locale.ROOT, "warm-up: downloaded %d MiB in %d ms,"
                                + " %.2f CPU-s of which the JIT %.2f (not measured)", WARM_UP_BYTES >> 20,
                        warmUpMillis, used.processNanos() / 1e9, used.jitNanos() / 1e9));
                awaitQuietJit();
                if (used.jitNanos() * 10 < used.processNanos()) {
                    break;
                }
            }

            // like with like: the same file into a new file in the same folder, as the download does,
            // right before it. The copy stays until the end, so the download, too, writes into pages
            // not used before (on a VM, the first touch of a page can cost more than the copy), unless
            // warmPages has both write into pages freed just before.
            warmPages(dir);
            RawTcpCopy.Result rawFile = RawTcpCopy.runFiles(source, dir.resolve("raw-copy.bin"), 600);
            progress.accept(String.format("raw TCP copy, file to new file: %.0f MiB/s",
                    rawFile.bytesPerSecond() / (1L << 20)));
            warmPages(dir);
            progress.accept("downloading " + params.size() + " bytes from " + params.seeders() + " seeder(s)");
            long relayedBefore = relay == null ? 0 : relay.relay().orElseThrow().stats().bytesForwarded();
            MemorySampler memory = new MemorySampler();
            CpuUse.Meter cpu = new CpuUse.Meter();
            long start = System.nanoTime();
            Path got;
            try {
                downloader.get(id, Optional.empty()).get(30, TimeUnit.SECONDS);
                got = done.computeIfAbsent(id, k -> new CompletableFuture<>()).get(600, TimeUnit.SECONDS);
            } finally {
                memory.close();
            }
            long nanos = System.nanoTime() - start;
            CpuUse cpuUse = cpu.stop();
            if (Files.size(got) != params.size()) {
                throw new IOException("downloaded " + Files.size(got) + " bytes, expected " + params.size());
            }
            double rate = params.size() * 1e9 / nanos;
            List<Long> perSeeder = new ArrayList<>();
            var byPeer = downloader.download(id).orElseThrow().chunksByPeer();
            for (int i = 0; i < params.seeders(); i++) {
                perSeeder.add(byPeer.getOrDefault(nodes.get(i).peerId(), 0L));
            }
            long relayedBytes = relay == null ? 0 : relay.relay().orElseThrow().stats().bytesForwarded() - relayedBefore;
            progress.accept(String.format("nexo over TLS%s: %.0f MiB/s, chunks per seeder %s",
                    relay == null ? "" : " through the relay (" + relayedBytes + " bytes relayed)", rate / (1L << 20), perSeeder));
            if (relay != null && relayedBytes < params.size()) {
                throw new IOException("only " + relayedBytes + " bytes crossed the relay: the download went around it");
            }
            return new Result(params.size(), params.seeders(), raw.bytesPerSecond(), rawFile.bytesPerSecond(), rate,
                    nodes.get(0).tlsProvider(), perSeeder, memory.peaks(), cpuUse, reservationNanos,
                    relayedSessionNanos, relayedBytes);
        } finally {
            exchanges.forEach(FileExchange::close);
            nodes.forEach(PeerNode::close);
            if (relayNode != null) {
                relayNode.close();
            }
            deleteTree(dir);
        }
    }

    private FileExchange start(String name, Path dataDir, List<DialTarget> join, List<PeerNode> nodes,
                               List<FileExchange> exchanges) throws IOException {
        return start(name, dataDir, join, nodes, exchanges, FileEvents.NONE);
    }

    /** The seeder's relayed address, once its reservation is granted (at most 30 s). */
    private static DialTarget awaitRelayedAddress(PeerNode seeder) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (seeder.relayedAddresses().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the seeder got no relay reservation");
            }
            Thread.sleep(5); // polling a benchmark's setup, not synchronising a test
        }
        return seeder.relayedAddresses().get(0);
    }

    private FileExchange start(String name, Path dataDir, List<DialTarget> join, List<PeerNode> nodes,
                               List<FileExchange> exchanges, FileEvents events) throws IOException {
        Files.createDirectories(dataDir);
        // relayed: the seeder reserves on the relay it joins; nobody else relays or reserves
        boolean seederOfRelay = params.relayed() && name.startsWith("seeder");
        PeerNodeConfig config = PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0))
                .withRelay(io.nexo.p2p.relay.RelayConfig.defaults().withServe(false).withReserveOn(seederOfRelay ? 1 : 0))
                .withBootstrap(join)
                .withDiscovery(DiscoveryParams.defaults().withDegree(Math.max(1, join.size()), 50));
        FileExchange.NodeListener toFiles = new FileExchange.NodeListener();
        PeerNode node = new PeerNode(config, toFiles);
        FileExchange fx = new FileExchange(node, FileExchangeConfig.defaults(dataDir)
                .withUploadRate(params.uploadBytesPerSecond()), events);
        toFiles.bind(fx);
        fx.start();
        node.start();
        nodes.add(node);
        exchanges.add(fx);
        return fx;
    }

    /**
     * Waits (at most 30 s) until the JIT compilers have had nothing to do for half a second: on two
     * cores the compile queue the warm-up left behind otherwise takes a core from the measured
     * download (profiled: C2 used a third of a core for most of it).
     */
    private static void awaitQuietJit() throws InterruptedException {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = jit.getTotalCompilationTime();
        int quietTicks = 0;
        while (quietTicks < 5 && System.nanoTime() < deadline) {
            Thread.sleep(100); // polling a benchmark's setup, not synchronising a test
            long now = jit.getTotalCompilationTime();
            quietTicks = now == last ? quietTicks + 1 : 0;
            last = now;
        }
    }

    /** With {@code warmPages}: {@code size} bytes written to a scratch file in {@code dir} and freed again. */
    private void warmPages(Path dir) throws IOException {
        if (params.warmPages()) {
            long bytes = writeAndDelete(dir.resolve("page-warm.bin"), params.size());
            progress.accept("pages warmed: " + (bytes >> 20) + " MiB written and freed");
        }
    }

    /** Writes {@code size} bytes to {@code file}, which must not exist, deletes it, and returns the bytes written. */
    static long writeAndDelete(Path file, long size) throws IOException {
        writeFile(file, size);
        long written = Files.size(file);
        Files.delete(file);
        return written;
    }

    private static void writeFile(Path file, long size) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
        byte[] random = new byte[1 << 20];
        new Random(1).nextBytes(random);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long written = 0;
            while (written < size) {
                // vary each MiB so chunks differ (identical chunks would hash alike, which is fine, but unrealistic)
                random[0] = (byte) (written >>> 20);
                random[1] = (byte) (written >>> 28);
                block.clear().put(random).flip().limit((int) Math.min(block.capacity(), size - written));
                while (block.hasRemaining()) {
                    written += ch.write(block);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a benchmark's scratch space
                }
            });
        } catch (IOException e) {
            // nothing to clean
        }
    }
}
