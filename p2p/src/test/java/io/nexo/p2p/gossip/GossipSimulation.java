package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.IHave;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Many {@link GossipRouter}s on a simulated network in virtual time: the benchmark's topology (each
 * node links to degree/2 random others), per-link FIFO delivery after a base latency plus an
 * exponential jitter, a heartbeat per node every second, messages from random live origins at a fixed
 * rate, optionally a fraction of the nodes killed halfway. Deterministic for a seed, and a thousand
 * nodes run in seconds, so routing rules can be compared on duplicates and delivery (latency here is
 * the model's, not a machine's).
 */
final class GossipSimulation {

    /** What to simulate. Latencies in microseconds. */
    record Setup(int nodes, int degree, int warmup, int messages, int ratePerSecond, double killFraction,
                 long seed, int baseLatencyMicros, int jitterMicros, GossipParams params) {
    }

    /** What came out, over the measured messages and the nodes alive at the end. */
    record Outcome(long expected, long delivered, long duplicates, double p50Millis, double p99Millis,
                   double maxMillis, double meanEagerDegree, long grafts, long prunes, long frames, long ihaveFrames) {
        double deliveryRatio() {
            return expected == 0 ? 1 : (double) delivered / expected;
        }

        double duplicatesPerDelivery() {
            return delivered == 0 ? 0 : (double) duplicates / delivered;
        }

        /** Frames of every kind sent over the measured messages, per delivery. */
        double framesPerDelivery() {
            return delivered == 0 ? 0 : (double) frames / delivered;
        }

        @Override
        public String toString() {
            return String.format("delivery %.5f%% (%d/%d) dup/deliv %.3f p50 %.2f ms p99 %.2f ms max %.1f ms "
                    + "eager degree %.2f grafts %d prunes %d frames/deliv %.3f (ihave %.3f)", 100 * deliveryRatio(),
                    delivered, expected, duplicatesPerDelivery(), p50Millis, p99Millis, maxMillis, meanEagerDegree,
                    grafts, prunes, framesPerDelivery(), delivered == 0 ? 0 : (double) ihaveFrames / delivered);
        }
    }

    private final Setup s;
    private final SimScheduler sim = new SimScheduler();
    private final Random random;
    private final PeerId[] ids;
    private final Map<PeerId, Integer> index = new HashMap<>();
    private final GossipRouter[] routers;
    private final boolean[] alive;
    /** Nodes that take every message and pass none on, send no IHave, Graft or Prune (a black hole). */
    private final boolean[] silent;
    private final BitSet[] deliveredBy;
    /** Per directed link (from * n + to): when its last frame arrives, so a link stays FIFO like TCP. */
    private final Map<Long, Long> linkClear = new HashMap<>();
    private final List<Set<Integer>> links = new ArrayList<>();
    private long[] publishedAt;
    private final List<Long> latencies = new ArrayList<>();
    private int measuredFrom;
    /** Frames sent since the measured messages began (all kinds, and IHave alone). */
    private boolean countFrames;
    private long frames;
    private long ihaveFrames;

    private final int silentNodes;
    private final Attacks attacks;
    /** Per directed link into a silent node (from * n + to): the last whole message it was sent. */
    private final Map<Long, Envelope> lastSentToSilent = new HashMap<>();
    private long attackSeq;

    /**
     * What the silent nodes do besides swallowing messages, once a second on each of their links
     * (the bench's attackers, {@code GossipAttackers}, in the simulator's terms).
     *
     * @param junkIds    ids nobody has, announced by IHave
     * @param replay     the last message the neighbour sent it, sent back whole
     * @param ownMessage a new message of its own, to its first neighbour (delivered like any other)
     * @param cutEvery   every this many seconds the neighbour drops the link, back a second later (0: never)
     */
    record Attacks(int junkIds, boolean replay, boolean ownMessage, int cutEvery) {
        static final Attacks NONE = new Attacks(0, false, false, 0);
    }

    GossipSimulation(Setup setup) {
        this(setup, 0);
    }

    GossipSimulation(Setup setup, int silentNodes) {
        this(setup, silentNodes, Attacks.NONE);
    }

    /**
     * With the first {@code silentNodes} nodes silent: they never originate benchmark messages and
     * count as neither live nor dead; {@code attacks} says what else they send.
     */
    GossipSimulation(Setup setup, int silentNodes, Attacks attacks) {
        this.s = setup;
        this.silentNodes = silentNodes;
        this.attacks = attacks;
        this.random = new Random(setup.seed());
        int n = setup.nodes();
        ids = new PeerId[n];
        routers = new GossipRouter[n];
        alive = new boolean[n];
        silent = new boolean[n];
        deliveredBy = new BitSet[n];
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[8];
            ByteBuffer.wrap(key).putLong(setup.seed() * 1_000_003L + i);
            ids[i] = PeerId.ofEncodedKey(key);
            index.put(ids[i], i);
            links.add(new HashSet<>());
        }
        for (int i = 0; i < n; i++) {
            final int me = i;
            alive[i] = true;
            deliveredBy[i] = new BitSet();
            routers[i] = new GossipRouter(setup.params(), (to, env) -> send(me, to, env),
                    (g, from) -> delivered(me, g), sim, new Random(setup.seed() + 31L * i), sim::nanoTime);
        }
        for (int i = 0; i < silentNodes; i++) {
            silent[i] = true; // ids are random, so the first ones are as good as any
        }
        for (int i = 0; i < n; i++) {
            Set<Integer> targets = new HashSet<>();
            while (targets.size() < setup.degree() / 2) {
                int t = random.nextInt(n);
                if (t != i) {
                    targets.add(t);
                }
            }
            for (int t : targets) {
                if (links.get(i).add(t)) {
                    links.get(t).add(i);
                    routers[i].peerUp(ids[t]);
                    routers[t].peerUp(ids[i]);
                }
            }
        }
    }

    Outcome run() {
        int n = s.nodes();
        int total = s.warmup() + s.messages();
        publishedAt = new long[total];
        long interval = TimeUnit.SECONDS.toNanos(1) / s.ratePerSecond();
        for (int i = 0; i < n; i++) {
            scheduleHeartbeat(i, (long) (random.nextDouble() * TimeUnit.SECONDS.toNanos(1)));
            if (silent[i] && !attacks.equals(Attacks.NONE)) {
                scheduleAttacks(i, (long) (random.nextDouble() * TimeUnit.SECONDS.toNanos(1)), 0);
            }
        }
        long start = TimeUnit.SECONDS.toNanos(1);
        long[] dupStart = new long[n];
        long grafts0 = 0;
        long prunes0 = 0;
        measuredFrom = s.warmup();
        int killAt = s.killFraction() > 0 ? s.warmup() + s.messages() / 2 : -1;
        int[] originOf = new int[total];
        for (int seq = 0; seq < total; seq++) {
            long due = start + seq * interval;
            if (seq == s.warmup()) {
                sim.runUntil(due + TimeUnit.SECONDS.toNanos(3)); // let the warm-up settle, as the bench does
                start += TimeUnit.SECONDS.toNanos(3);
                due += TimeUnit.SECONDS.toNanos(3);
                for (int i = 0; i < n; i++) {
                    dupStart[i] = routers[i].stats().duplicates();
                    grafts0 += routers[i].stats().grafts();
                    prunes0 += routers[i].stats().prunes();
                }
                countFrames = true;
            }
            sim.runUntil(due);
            if (TRACE && seq % (5 * s.ratePerSecond()) == 0) {
                trace(seq);
            }
            if (seq == killAt) {
                kill();
            }
            int origin;
            do {
                origin = random.nextInt(n);
            } while (!alive[origin] || silent[origin]);
            originOf[seq] = origin;
            publishedAt[seq] = sim.nanoTime();
            deliveredBy[origin].set(seq);
            routers[origin].publish(ids[origin], "n" + origin, "bench",
                    ByteString.copyFrom(ByteBuffer.allocate(1024).putInt(seq).array()), 0);
        }
        sim.runUntil(sim.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        long expected = 0;
        long delivered = 0;
        long duplicates = 0;
        long grafts = -grafts0;
        long prunes = -prunes0;
        int live = 0;
        long eagerLinks = 0;
        for (int i = 0; i < n; i++) {
            grafts += routers[i].stats().grafts();
            prunes += routers[i].stats().prunes();
            if (!alive[i] || silent[i]) {
                continue;
            }
            live++;
            duplicates += routers[i].stats().duplicates() - dupStart[i];
            delivered += deliveredBy[i].get(s.warmup(), total).cardinality();
            eagerLinks += routers[i].eagerPeers().size();
        }
        for (int seq = s.warmup(); seq < total; seq++) {
            expected += live;
            if (alive[originOf[seq]]) {
                delivered--; // the origin's own copy is not a delivery
                expected--;
            }
        }
        long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Outcome(expected, delivered, duplicates, pct(l, 0.50), pct(l, 0.99),
                l.length == 0 ? 0 : l[l.length - 1] / 1e6, (double) eagerLinks / live, grafts, prunes, frames, ihaveFrames);
    }

    static final boolean TRACE = Boolean.getBoolean("sim.trace");
    private long lastGrafts;
    private long lastPrunes;

    private void trace(int seq) {
        long grafts = 0;
        long prunes = 0;
        long eagerLinks = 0;
        int live = 0;
        int[] hist = new int[6];
        for (int i = 0; i < s.nodes(); i++) {
            grafts += routers[i].stats().grafts();
            prunes += routers[i].stats().prunes();
            if (alive[i]) {
                live++;
                int e = routers[i].eagerPeers().size();
                eagerLinks += e;
                hist[Math.min(5, e)]++;
            }
        }
        // nodes reached from a live node along eager (push) links
        int startNode = 0;
        while (!alive[startNode]) {
            startNode++;
        }
        BitSet reached = new BitSet();
        java.util.ArrayDeque<Integer> q = new java.util.ArrayDeque<>();
        q.add(startNode);
        reached.set(startNode);
        while (!q.isEmpty()) {
            int v = q.poll();
            for (PeerId p : routers[v].eagerPeers()) {
                int u = index.get(p);
                if (alive[u] && !reached.get(u)) {
                    reached.set(u);
                    q.add(u);
                }
            }
        }
        System.out.printf("  t=%.1fs seq=%d grafts+%d prunes+%d eager %.2f hist %s reach %d/%d%n", sim.nanoTime() / 1e9, seq,
                grafts - lastGrafts, prunes - lastPrunes, (double) eagerLinks / live, Arrays.toString(hist),
                reached.cardinality(), live);
        lastGrafts = grafts;

        lastPrunes = prunes;
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    private void kill() {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < s.nodes(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        int kill = (int) Math.round(s.nodes() * s.killFraction());
        for (int k = 0; k < kill; k++) {
            int victim = order.get(k);
            alive[victim] = false;
            for (int peer : links.get(victim)) {
                // the neighbour sees the connection close a moment later
                sim.at(sim.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1), () -> {
                    if (alive[peer]) {
                        routers[peer].peerDown(ids[victim]);
                    }
                });
            }
        }
    }

    private void scheduleHeartbeat(int node, long atNanos) {
        sim.at(atNanos, () -> {
            if (alive[node]) {
                routers[node].heartbeat();
                scheduleHeartbeat(node, sim.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
        });
    }

    /** One second of a silent node's attacks on each of its links; {@code tick} counts the seconds. */
    private void scheduleAttacks(int node, long atNanos, long tick) {
        sim.at(atNanos, () -> {
            boolean first = true;
            for (int peer : new ArrayList<>(links.get(node))) {
                if (attacks.cutEvery() > 0 && tick % attacks.cutEvery() == attacks.cutEvery() - 1) {
                    routers[peer].peerDown(ids[node]); // the neighbour cuts the session...
                    routers[node].peerDown(ids[peer]);
                    sim.at(sim.nanoTime() + TimeUnit.SECONDS.toNanos(1), () -> { // ...and it reconnects
                        routers[peer].peerUp(ids[node]);
                        routers[node].peerUp(ids[peer]);
                    });
                    continue;
                }
                if (attacks.ownMessage() && first) {
                    first = false;
                    transmit(node, peer, Envelope.newBuilder().setGossip(Gossip.newBuilder()
                            .setId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(-1).putLong(attackSeq++).array()))
                            .setOriginId(ids[node].value()).setTopic("attack")
                            .setPayload(ByteString.copyFrom(ByteBuffer.allocate(4).putInt(-1).array()))).build());
                }
                if (attacks.junkIds() > 0) {
                    IHave.Builder ihave = IHave.newBuilder();
                    byte[] id = new byte[16];
                    for (int k = 0; k < attacks.junkIds(); k++) {
                        random.nextBytes(id);
                        ihave.addIds(ByteString.copyFrom(id));
                    }
                    transmit(node, peer, Envelope.newBuilder().setIhave(ihave).build());
                }
                Envelope last = lastSentToSilent.get((long) peer * s.nodes() + node);
                if (attacks.replay() && last != null) {
                    transmit(node, peer, last);
                }
            }
            scheduleAttacks(node, sim.nanoTime() + TimeUnit.SECONDS.toNanos(1), tick + 1);
        });
    }

    private boolean send(int from, PeerId toId, Envelope env) {
        int to = index.get(toId);
        if (!alive[from] || !links.get(from).contains(to)) {
            return false;
        }
        if (silent[from]) {
            return true; // taken, never passed on
        }
        if (countFrames) {
            frames++;
            ihaveFrames += env.hasIhave() ? 1 : 0;
        }
        if (silent[to] && env.hasGossip()) {
            lastSentToSilent.put((long) from * s.nodes() + to, env);
        }
        transmit(from, to, env);
        return true;
    }

    private void transmit(int from, int to, Envelope env) {
        double jitter = -Math.log(1 - random.nextDouble()) * s.jitterMicros();
        long arrive = sim.nanoTime() + TimeUnit.MICROSECONDS.toNanos(s.baseLatencyMicros()) + (long) (jitter * 1000);
        long key = (long) from * s.nodes() + to;
        arrive = Math.max(arrive, linkClear.getOrDefault(key, 0L));
        linkClear.put(key, arrive);
        PeerId fromId = ids[from];
        sim.at(arrive, () -> {
            if (!alive[to]) {
                return;
            }
            GossipRouter r = routers[to];
            switch (env.getBodyCase()) {
                case GOSSIP -> r.onGossip(fromId, env.getGossip());
                case IHAVE -> r.onIHave(fromId, env.getIhave());
                case GRAFT -> r.onGraft(fromId, env.getGraft());
                case PRUNE -> r.onPrune(fromId, env.getPrune());
                default -> throw new IllegalStateException("unexpected " + env.getBodyCase());
            }
        });
    }

    private void delivered(int node, Gossip g) {
        int seq = g.getPayload().asReadOnlyByteBuffer().getInt();
        if (seq < 0) {
            return; // an attacker's own message
        }
        deliveredBy[node].set(seq);
        if (seq >= measuredFrom && alive[node] && !silent[node]) {
            latencies.add(sim.nanoTime() - publishedAt[seq]);
        }
    }

    /**
     * {@code nodes rate messages kill seed jitterMicros floor [backupWaitMillis [silentNodes [junkIds replay own cutEvery]]]}:
     * prints one outcome.
     */
    public static void main(String[] args) {
        int nodes = Integer.parseInt(args[0]);
        int rate = Integer.parseInt(args[1]);
        int messages = Integer.parseInt(args[2]);
        double kill = Double.parseDouble(args[3]);
        long seed = Long.parseLong(args[4]);
        int jitter = Integer.parseInt(args[5]);
        int floor = Integer.parseInt(args[6]);
        Setup setup = new Setup(nodes, 8, 200, messages, rate, kill, seed, 200, jitter,
                GossipParams.defaults().withEagerFloor(floor)
                        .withBackupWait(Duration.ofMillis(args.length > 7 ? Long.parseLong(args[7]) : 0)));
        long t0 = System.nanoTime();
        Attacks attacks = args.length > 12 ? new Attacks(Integer.parseInt(args[9]), Boolean.parseBoolean(args[10]),
                Boolean.parseBoolean(args[11]), Integer.parseInt(args[12])) : Attacks.NONE;
        Outcome o = new GossipSimulation(setup, args.length > 8 ? Integer.parseInt(args[8]) : 0, attacks).run();
        System.out.println(Arrays.toString(args) + " " + o + String.format(" (%.1f s)", (System.nanoTime() - t0) / 1e9));
    }
}
