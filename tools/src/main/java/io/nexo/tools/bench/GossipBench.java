package io.nexo.tools.bench;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.gossip.GossipParams;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.VerifiedSignatures;
import io.nexo.p2p.node.ConnectionLimits;
import io.nexo.p2p.node.NodeHost;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.session.SessionLimits;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * The gossip benchmark behind {@code nexo bench gossip}: N nodes in one JVM over real loopback TLS,
 * each dialling D/2 random others (so the mean degree is D), M messages of a given size published at
 * a fixed rate from random live nodes. Measures delivery ratio to live nodes, propagation latency
 * (publish to delivery, one clock since all nodes share the JVM) and duplicate copies per delivery.
 * It also counts messages an application saw twice on one node ({@link Result#repeatedDeliveries()}),
 * which must be zero: gossip delivers each message once.
 */
public final class GossipBench {

    /**
     * What to run. {@code killFraction} of the nodes are stopped halfway through. {@code signed}: the
     * origins sign and every node verifies (production); false measures the network without that
     * cost. {@code sharedVerification}: the nodes share one memo of verified signatures, as nodes in
     * one process can ({@link NodeHost}); false makes every node verify every message itself, as on
     * separate machines (the CPU cost of a real network, all on this machine's cores).
     * {@code attackers} of the {@code nodes} are hostile ({@link GossipAttackers}); {@code defaultLimits}
     * runs the honest nodes with a node's default session limits (500 messages/s, 8 MiB queues)
     * instead of the bench's relaxed ones, as a run against attackers must. {@code backupWait}: Plumtree
     * backup links ({@link GossipParams#backupWait()}), {@link Duration#ZERO} for none (the default).
     */
    public record Params(int nodes, int degree, int messages, int size, int ratePerSecond,
                         GossipParams.Mode mode, double killFraction, int warmup, long seed,
                         boolean signed, boolean sharedVerification, int attackers, boolean defaultLimits,
                         Duration backupWait) {

        /** No backup links. */
        public Params(int nodes, int degree, int messages, int size, int ratePerSecond,
                      GossipParams.Mode mode, double killFraction, int warmup, long seed,
                      boolean signed, boolean sharedVerification, int attackers, boolean defaultLimits) {
            this(nodes, degree, messages, size, ratePerSecond, mode, killFraction, warmup, seed,
                    signed, sharedVerification, attackers, defaultLimits, Duration.ZERO);
        }

        /** Signed, with the memo of verified signatures shared, no attackers, the bench's relaxed limits. */
        public Params(int nodes, int degree, int messages, int size, int ratePerSecond,
                      GossipParams.Mode mode, double killFraction, int warmup, long seed) {
            this(nodes, degree, messages, size, ratePerSecond, mode, killFraction, warmup, seed, true, true);
        }

        /** No attackers, the bench's relaxed limits. */
        public Params(int nodes, int degree, int messages, int size, int ratePerSecond,
                      GossipParams.Mode mode, double killFraction, int warmup, long seed,
                      boolean signed, boolean sharedVerification) {
            this(nodes, degree, messages, size, ratePerSecond, mode, killFraction, warmup, seed,
                    signed, sharedVerification, 0, false);
        }

        /** Signed, with the memo of verified signatures shared. */
        public Params(int nodes, int degree, int messages, int size, int ratePerSecond,
                      GossipParams.Mode mode, double killFraction, int warmup, long seed,
                      int attackers, boolean defaultLimits) {
            this(nodes, degree, messages, size, ratePerSecond, mode, killFraction, warmup, seed,
                    true, true, attackers, defaultLimits);
        }

        public Params {
            if (nodes < 2) {
                throw new IllegalArgumentException("nodes: " + nodes + " (expected: >= 2)");
            }
            if (degree < 2 || degree >= nodes) {
                throw new IllegalArgumentException("degree: " + degree + " (expected: 2 to nodes-1)");
            }
            if (messages < 1) {
                throw new IllegalArgumentException("messages: " + messages + " (expected: > 0)");
            }
            if (size < 16 || size > 512 * 1024) {
                throw new IllegalArgumentException("size: " + size + " (expected: 16-524288 bytes)");
            }
            if (ratePerSecond < 1) {
                throw new IllegalArgumentException("rate: " + ratePerSecond + " (expected: > 0)");
            }
            if (killFraction < 0 || killFraction >= 1) {
                throw new IllegalArgumentException("kill: " + killFraction + " (expected: 0 <= kill < 1)");
            }
            if (attackers < 0 || nodes - attackers <= degree) {
                throw new IllegalArgumentException("attackers: " + attackers + " (expected: 0 to nodes-degree-1)");
            }
            java.util.Objects.requireNonNull(backupWait, "backupWait");
        }

        /** The same run with Plumtree backup links ({@link Duration#ZERO}: none). */
        public Params withBackupWait(Duration wait) {
            return new Params(nodes, degree, messages, size, ratePerSecond, mode, killFraction, warmup, seed,
                    signed, sharedVerification, attackers, defaultLimits, wait);
        }

        /** The nodes that are not attackers. */
        public int honest() {
            return nodes - attackers;
        }
    }

    /**
     * What was measured. {@code delivered} counts distinct (node, message) pairs on live nodes;
     * {@code over100MillisShare} is the fraction of the deliveries that took longer than 100 ms (p99 is
     * under 100 ms while it stays under 0.01, so it says how far a run is from that bound);
     * {@code repeatedDeliveries} the deliveries of a message a node had already delivered; {@code meanDegree}
     * is taken when the measured messages start. {@code verified}: signature verifications made by the
     * live nodes, {@code verifyNanos} the CPU time they took, {@code sharedHits} the checks the shared memo
     * answered; {@code cpuNanos} is the process's CPU time over the measured messages; {@code ihaveFrames}
     * the IHave frames the live nodes sent then, {@code ihaveSkipped} the ids they did not announce to a
     * lazy peer that had shown it held them, {@code backupFallbacks} the times a live node stopped using
     * its backup links for a hold (its timers ran late).
     * {@code heapPerNode} and {@code directPerNode} are what the JVM held once the nodes were
     * connected (before any attacker), less what it held before, per honest node;
     * {@code heapPerNodeAfter} the same once the measured messages were delivered (the nodes then
     * also hold their caches: seen ids, recent messages, each origin's replay window); {@code nodeThreads}
     * names the threads the nodes started beside the shared event loops. {@code memory}: per-node and
     * process peak memory over the measured messages ({@link MemorySampler}); {@code attacks}: what the
     * attackers did (all zero without attackers).
     */
    public record Result(Params params, int liveNodes, long expected, long delivered, long repeatedDeliveries,
                         double deliveryRatio, double p50Millis, double p99Millis, double maxMillis,
                         double p90Millis, double p999Millis, double over100MillisShare,
                         double duplicatesPerDelivery, double meanDegree, String tls,
                         long verified, long verifyNanos, long sharedHits, long cpuNanos,
                         long ihaveFrames, long ihaveSkipped, long backupFallbacks, long heapPerNode, long heapPerNodeAfter, long directPerNode, Set<String> nodeThreads,
                         MemorySampler.Peaks memory, GossipAttackers.Stats attacks) {

        /** Mean CPU time of one signature verification, in microseconds (0 when none was made). */
        public double microsPerVerification() {
            return verified == 0 ? 0 : verifyNanos / 1e3 / verified;
        }

        /** IHave frames sent per delivered message. */
        public double ihaveFramesPerDelivery() {
            return delivered == 0 ? 0 : (double) ihaveFrames / delivered;
        }

        /** Process CPU time per delivered message, in microseconds. */
        public double cpuMicrosPerDelivery() {
            return delivered == 0 ? 0 : cpuNanos / 1e3 / delivered;
        }
    }

    private final Params p;
    private final Consumer<String> progress;

    public GossipBench(Params params, Consumer<String> progress) {
        this.p = params;
        this.progress = progress;
    }

    public Result run() throws Exception {
        Random random = new Random(p.seed());
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        EventLoopGroup group = Transport.best().newEventLoopGroup(threads, "bench-gossip");
        NodeHost host = new NodeHost(group, p.sharedVerification() ? VerifiedSignatures.shared() : VerifiedSignatures.none());
        Footprint before = Footprint.take();
        List<PeerNode> nodes = new ArrayList<>();
        int total = p.warmup() + p.messages();
        AtomicLongArray deliveredPerMessage = new AtomicLongArray(total);
        long[] latenciesNanos = new long[(int) Math.min(Integer.MAX_VALUE - 8, (long) p.messages() * p.honest())];
        AtomicLong latencyCount = new AtomicLong();
        AtomicLongArray deliveredPerNode = new AtomicLongArray(p.honest());
        BitSet[] seenByNode = new BitSet[p.honest()];
        AtomicLong repeated = new AtomicLong();
        int[] originOf = new int[total];
        GossipPassCounters counters = null;
        long cpuStart = 0;
        boolean[] alive = new boolean[p.honest()];
        MemorySampler memory = new MemorySampler(nodes);
        GossipAttackers attackers = null;
        try {
            for (int i = 0; i < p.honest(); i++) {
                final int index = i;
                BitSet seen = seenByNode[i] = new BitSet(total);
                PeerNodeConfig config = PeerNodeConfig.of(NodeIdentity.generate(), "n" + i, new HostAndPort("127.0.0.1", 0))
                        .withGossip(GossipParams.defaults().withMode(p.mode()).withSigned(p.signed())
                                .withBackupWait(p.backupWait()))
                        .withLimits(limits(p))
                        // the topology is built below; no dialling of its own
                        .withDiscovery(DiscoveryParams.defaults().withDegree(0, p.nodes())
                                .withMaxConnectionsPerIp(p.nodes() * 4))
                        // every node is on 127.0.0.1: no inbound budget or subnet cap between them
                        .withConnections(ConnectionLimits.defaults().withInbound(p.nodes(), p.nodes())
                                .withMaxInboundPerSubnet(p.nodes() * 4));
                PeerNode node = new PeerNode(config, e -> {
                    if (e instanceof PeerEvent.MessageReceived m && m.topic().equals("bench")) {
                        long now = System.nanoTime();
                        ByteBuffer b = ByteBuffer.wrap(m.payload());
                        int seq = b.getInt();
                        long sent = b.getLong();
                        synchronized (seen) {
                            if (seen.get(seq)) {
                                repeated.incrementAndGet();
                                return;
                            }
                            seen.set(seq);
                        }
                        deliveredPerMessage.incrementAndGet(seq);
                        if (seq >= p.warmup() && alive[index]) {
                            deliveredPerNode.incrementAndGet(index);
                            long k = latencyCount.getAndIncrement();
                            if (k < latenciesNanos.length) {
                                latenciesNanos[(int) k] = now - sent;
                            }
                        }
                    }
                }, Clock.systemUTC(), new java.security.SecureRandom(), host);
                node.start();
                nodes.add(node);
                alive[i] = true;
            }
            progress.accept(p.honest() + " nodes listening; connecting each to " + (p.degree() / 2) + " random others");
            List<CompletableFuture<?>> dials = new ArrayList<>();
            for (int i = 0; i < p.honest(); i++) {
                Set<Integer> targets = new HashSet<>();
                while (targets.size() < p.degree() / 2) {
                    int t = random.nextInt(p.honest());
                    if (t != i) {
                        targets.add(t);
                    }
                }
                for (int t : targets) {
                    dials.add(nodes.get(i).connect(DialTarget.of(nodes.get(t).peerId(), nodes.get(t).listenAddress())));
                }
                if (dials.size() >= 64) { // in batches, so handshakes do not pile up
                    for (CompletableFuture<?> f : dials) {
                        f.get(120, TimeUnit.SECONDS);
                    }
                    dials.clear();
                }
            }
            for (CompletableFuture<?> f : dials) {
                f.get(120, TimeUnit.SECONDS);
            }
            // the honest nodes' footprint, before the attackers add theirs to the process
            Footprint connected = Footprint.take();
            long heapPerNode = (connected.heapBytes() - before.heapBytes()) / p.honest();
            long directPerNode = (connected.directBytes() - before.directBytes()) / p.honest();
            Set<String> nodeThreads = connected.newThreads(before, "bench-gossip");
            if (p.attackers() > 0) {
                progress.accept(p.attackers() + " attackers connecting to " + p.degree() + " honest nodes each");
                attackers = new GossipAttackers(nodes, p.attackers(), p.degree(), limits(p).messageBurst(), random);
            }
            double meanDegree = nodes.stream().mapToInt(n -> n.peers().size()).average().orElse(0);
            progress.accept(String.format("connected: mean degree %.1f; per node %d KiB heap, %d KiB direct, threads of "
                    + "its own: %s; warming up with %d messages", meanDegree, heapPerNode >> 10, directPerNode >> 10,
                    nodeThreads.isEmpty() ? "none" : nodeThreads, p.warmup()));

            long intervalNanos = TimeUnit.SECONDS.toNanos(1) / p.ratePerSecond();
            byte[] filler = new byte[p.size()];
            random.nextBytes(filler);
            long killAt = p.killFraction() > 0 ? p.warmup() + p.messages() / 2 : -1;
            long start = System.nanoTime();
            for (int seq = 0; seq < total; seq++) {
                if (seq == p.warmup()) {
                    awaitQuiet(deliveredPerMessage, p.warmup(), p.honest() - 1);
                    awaitDuplicatesSettled(nodes, alive);
                    // again now: a dial completes on the dialling side before the accepting side has
                    // registered the session, so the count right after the dials can be short
                    meanDegree = nodes.stream().mapToInt(n -> n.peers().size()).average().orElse(0);
                    counters = GossipPassCounters.start(nodes);
                    if (attackers != null) {
                        attackers.start();
                    }
                    memory.start();
                    cpuStart = processCpuNanos();
                    progress.accept("measuring " + p.messages() + " messages of " + p.size() + " bytes at "
                            + p.ratePerSecond() + "/s (" + p.mode().name().toLowerCase() + ")");
                    start = System.nanoTime() - (long) seq * intervalNanos;
                }
                if (seq == killAt) {
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < p.honest(); i++) {
                        order.add(i);
                    }
                    java.util.Collections.shuffle(order, random);
                    int kill = (int) Math.round(p.honest() * p.killFraction());
                    for (int i = 0; i < kill; i++) {
                        alive[order.get(i)] = false;
                    }
                    progress.accept("killing " + kill + " nodes");
                    List<Integer> victims = order.subList(0, kill);
                    victims.parallelStream().forEach(v -> nodes.get(v).close());
                }
                long due = start + seq * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int origin;
                do {
                    origin = random.nextInt(p.honest());
                } while (!alive[origin]);
                ByteBuffer payload = ByteBuffer.wrap(filler.clone());
                originOf[seq] = origin;
                payload.putInt(seq).putLong(System.nanoTime());
                nodes.get(origin).publish("bench", payload.array());
            }
            int live = 0;
            for (boolean a : alive) {
                live += a ? 1 : 0;
            }
            // wait for stragglers: up to 10 s after the last message, less once everything arrived
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // every live node but the origin should get each message (all of them if the origin died since)
            long expected = 0;
            for (int seq = p.warmup(); seq < total; seq++) {
                expected += live - (alive[originOf[seq]] ? 1 : 0);
            }
            while (System.nanoTime() < deadline && liveDeliveries(deliveredPerNode, alive) < expected) {
                Thread.sleep(20);
            }
            long cpuNanos = processCpuNanos() - cpuStart;
            memory.stop();
            if (attackers != null) {
                attackers.close();
            }
            awaitDuplicatesSettled(nodes, alive); // late duplicates still count as cost
            GossipPassCounters.Totals pass = counters.since(nodes, alive);
            long delivered = liveDeliveries(deliveredPerNode, alive);
            long heapPerNodeAfter = (Footprint.take().heapBytes() - before.heapBytes()) / p.honest();
            long[] lat = Arrays.copyOf(latenciesNanos, (int) Math.min(latencyCount.get(), latenciesNanos.length));
            Arrays.sort(lat);
            int firstLive = 0;
            while (!alive[firstLive]) {
                firstLive++;
            }
            return new Result(p, live, expected, delivered, repeated.get(), expected == 0 ? 1 : (double) delivered / expected,
                    SortedLatencies.millisAt(lat, 0.50), SortedLatencies.millisAt(lat, 0.99), SortedLatencies.millisAt(lat, 1.0),
                    SortedLatencies.millisAt(lat, 0.90), SortedLatencies.millisAt(lat, 0.999),
                    SortedLatencies.shareOver(lat, 100_000_000L),
                    delivered == 0 ? 0 : (double) pass.duplicates() / delivered,
                    meanDegree, nodes.get(firstLive).tlsProvider(), pass.verified(), pass.verifyNanos(), pass.sharedHits(),
                    cpuNanos, pass.ihaveFrames(), pass.ihaveSkipped(), pass.backupFallbacks(), heapPerNode, heapPerNodeAfter, directPerNode, nodeThreads, memory.peaks(),
                    attackers == null ? new GossipAttackers.Stats(0, 0, 0, 0) : attackers.stats());
        } finally {
            memory.stop();
            if (attackers != null) {
                attackers.close();
            }
            nodes.parallelStream().forEach(PeerNode::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The bench's relaxed limits, or a node's defaults (see {@link Params#defaultLimits}). */
    private static SessionLimits limits(Params p) {
        SessionLimits base = p.defaultLimits() ? SessionLimits.defaults()
                : SessionLimits.defaults().withRate(1_000_000, 1_000_000).withMaxOutboundQueueBytes(64L << 20);
        // hundreds of handshakes at once on a shared machine take a while
        return base.withHandshakeTimeout(Duration.ofSeconds(60));
    }

    private static long liveDeliveries(AtomicLongArray perNode, boolean[] alive) {
        long sum = 0;
        for (int i = 0; i < alive.length; i++) {
            if (alive[i]) {
                sum += perNode.get(i);
            }
        }
        return sum;
    }

    private static void awaitQuiet(AtomicLongArray delivered, int upTo, int perMessage) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int i = 0; i < upTo && all; i++) {
                all = delivered.get(i) >= perMessage;
            }
            if (all) {
                return;
            }
            Thread.sleep(20);
        }
    }

    /** Waits (at most 5 s) until no live node has counted a new duplicate for 200 ms. */
    private static void awaitDuplicatesSettled(List<PeerNode> nodes, boolean[] alive) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long last = -1;
        long now = duplicates(nodes, alive);
        while (now != last && System.nanoTime() < deadline) {
            last = now;
            Thread.sleep(200);
            now = duplicates(nodes, alive);
        }
    }

    private static long duplicates(List<PeerNode> nodes, boolean[] alive) {
        long sum = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (alive[i]) {
                sum += nodes.get(i).gossipStats().duplicates();
            }
        }
        return sum;
    }

}
