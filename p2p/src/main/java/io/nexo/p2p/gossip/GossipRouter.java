package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.Graft;
import io.nexo.p2p.wire.proto.IHave;
import io.nexo.p2p.wire.proto.Prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Broadcast over the neighbour graph, delivering each message once per node. Confined to one
 * thread: every method, and every timer it schedules, runs on the given scheduler's thread.
 *
 * <p>Plumtree (Leitão, Pereira, Rodrigues: "Epidemic Broadcast Trees", 2007): neighbours start in
 * the eager set (here up to the eager floor; see {@link #peerUp}). A new message is pushed whole
 * to the eager set and announced by id (IHave) to the lazy set. A copy that arrives twice makes
 * its sender lazy (Prune), so the eager links settle into a spanning tree and copies stop. If a
 * node hears an IHave for a message that does not reach it within {@code graftTimeout} (a tree
 * link died), it asks the announcer (Graft), which sends the message and becomes eager again: the
 * tree heals itself. Example on a triangle A-B-C, A sends:
 * <pre>
 *   A -> B, A -> C (eager)        B -> C, C -> B (eager, copies)
 *   C gets B's copy: duplicate -> Prune to B;  B gets C's copy: duplicate -> Prune to C
 *   next message from A: A -> B, A -> C whole; B and C send each other IHave only
 * </pre>
 * With backup links ({@link GossipParams#backupWait()}), a duplicate at the eager floor prunes the
 * link softly instead of keeping it eager: its peer announces new ids on it at once, and an id it
 * announces that the tree has not brought within {@code backupWait} is grafted. The eager links
 * thin out to a tree while each node keeps {@code eagerFloor} fast paths ({@link PeerLinks}).
 * In {@link GossipParams.Mode#FLOOD} mode every new message goes whole to every neighbour but its
 * sender: the baseline the benchmark compares with.
 */
public final class GossipRouter {

    /** Sends an envelope to a connected neighbour; false if it could not. */
    public interface Network {
        boolean send(PeerId to, Envelope envelope);

        /** Sends the same envelope to several neighbours (an implementation may encode it once). */
        default void sendToAll(List<PeerId> to, Envelope envelope) {
            for (PeerId p : to) {
                send(p, envelope);
            }
        }
    }

    /** Receives each broadcast message exactly once. */
    public interface Delivery {
        void deliver(Gossip message, PeerId from);
    }

    /**
     * Decides whether a message not seen before may be delivered and forwarded (the node checks its
     * origin's signature and counts a refusal against {@code from}). A refused message is not
     * remembered as seen, so the genuine copy of a tampered one is still delivered when it comes.
     */
    public interface Validator {
        /** Accepts everything: for tests of the routing alone. */
        Validator ACCEPT_ALL = (g, from) -> true;

        boolean accept(Gossip message, PeerId from);
    }

    /**
     * Counters for tests and the benchmark.
     *
     * @param ihaveIgnored  announced ids not tracked because {@code maxMissing} (in total or for the
     *                      announcer) was reached
     * @param ihaveDropped  ids this node did not announce to a lazy peer whose pending batch was full
     * @param cachedBytes   bytes of whole messages held to answer Grafts
     * @param oversizedNotRelayed messages delivered here but not relayed: one more hop would not fit a frame
     * @param rejected     messages refused by the validator (failed signature checks)
     * @param ihaveFrames  IHave frames sent (lazy push, batched and immediate)
     * @param ihaveSkipped ids not announced to a lazy peer because it showed it had them first
     * @param backupFallbacks times this node stopped using its backup links for a hold ({@link BackupFallback})
     */
    public record Stats(long published, long delivered, long duplicates, long grafts, long prunes,
                        long ihaveIgnored, long ihaveDropped, long cachedBytes, long oversizedNotRelayed,
                        long rejected, long ihaveFrames, long ihaveSkipped, long backupFallbacks) {
    }

    /** A local broadcast that would not fit in a frame once relayed: refused before anything is sent. */
    public static final class MessageTooLargeException extends IllegalArgumentException {
        public MessageTooLargeException(String message) {
            super(message);
        }
    }

    /** The heartbeat's load probe: a timer this far ahead, whose lateness is a sample of the thread's backlog. */
    static final long LOAD_PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final GossipParams params;
    private final Network network;
    private final Delivery delivery;
    private final Validator validator;
    private final Random random;
    private final PeerLinks links = new PeerLinks();
    private final ExpiringIdCache seen;
    // messages kept serialized (a Graft, the only reader, is rare and parses again)
    private final ExpiringIdCache cache;
    private final LateMessageGrafter grafter;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    /** With backups on: when the node stops using them; null without backups. */
    private final BackupFallback fallback;
    private final IHaveBatcher ihaves;
    private final int maxFrameBytes;
    private long oversizedNotRelayed;
    private long published;
    private long delivered;
    private long duplicates;
    private long grafts;
    private long prunes;
    private long rejected;

    /** A router that accepts every message (tests of the routing alone). */
    public GossipRouter(GossipParams params, Network network, Delivery delivery,
                        ScheduledExecutorService scheduler, Random random, LongSupplier nanoTime) {
        this(params, network, delivery, Validator.ACCEPT_ALL, scheduler, random, nanoTime, Integer.MAX_VALUE);
    }

    /** A router that accepts every message, with the peers' frame limit (tests of the routing alone). */
    public GossipRouter(GossipParams params, Network network, Delivery delivery,
                        ScheduledExecutorService scheduler, Random random, LongSupplier nanoTime,
                        int maxFrameBytes) {
        this(params, network, delivery, Validator.ACCEPT_ALL, scheduler, random, nanoTime, maxFrameBytes);
    }

    public GossipRouter(GossipParams params, Network network, Delivery delivery, Validator validator,
                        ScheduledExecutorService scheduler, Random random, LongSupplier nanoTime) {
        this(params, network, delivery, validator, scheduler, random, nanoTime, Integer.MAX_VALUE);
    }

    /**
     * @param validator     decides whether a message not seen before may be delivered and forwarded
     * @param maxFrameBytes the peers' frame limit: local messages that would outgrow it when relayed
     *                      are refused, IHave batches are cut to fit it
     */
    public GossipRouter(GossipParams params, Network network, Delivery delivery, Validator validator,
                        ScheduledExecutorService scheduler, Random random, LongSupplier nanoTime,
                        int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
        this.ihaves = new IHaveBatcher(network, scheduler, params.ihaveInterval(), maxFrameBytes);
        this.params = params;
        this.network = network;
        this.delivery = delivery;
        this.validator = validator;
        this.random = random;
        // the caches' hash seeds place entries in memory and change no outcome: they do not draw
        // from the injected random, whose sequence the routing decisions own
        this.seen = ExpiringIdCache.idSet(params.seenTtl().toNanos(), params.seenCapacity(),
                ThreadLocalRandom.current().nextLong(), nanoTime);
        this.cache = ExpiringIdCache.withValues(params.cacheTtl().toNanos(), params.cacheCapacity(),
                params.cacheBytes(), ThreadLocalRandom.current().nextLong(), nanoTime);
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
        this.fallback = params.backups() ? new BackupFallback(params.backupWait().toNanos(), nanoTime) : null;
        this.grafter = new LateMessageGrafter(params, network, scheduler, links, seen::contains, nanoTime,
                this::backupsInUse, fallback == null ? due -> { } : fallback::timerRan);
    }

    /** Backups are configured and the node is not falling back to the plain floor ({@link BackupFallback}). */
    private boolean backupsInUse() {
        return fallback != null && !fallback.active();
    }

    /**
     * A new session. Plumtree makes a new neighbour eager; here that holds while this node is below
     * its eager floor. At the floor the newcomer starts lazy (it hears ids, and a Graft or a first
     * copy makes it eager): otherwise a peer that reconnects again and again (one cut for abuse)
     * would take a place in the floor each time, and the honest links that do bring copies would be
     * pruned in its favour until the tree thins out and deliveries fall to the lazy path.
     */
    public void peerUp(PeerId peer) {
        if (params.mode() == GossipParams.Mode.PLUMTREE && params.eagerFloor() > 0
                && floorCount() >= params.eagerFloor()) {
            links.upLazy(peer);
            return;
        }
        links.up(peer);
    }

    /** What the eager floor counts: eager links, and with backups in use, backups too. */
    private int floorCount() {
        return backupsInUse() ? links.support() : links.eagerCount();
    }

    public void peerDown(PeerId peer) {
        links.down(peer);
        ihaves.peerDown(peer);
        grafter.peerDown(peer);
    }

    /**
     * The largest frame {@code g} can become on its way: a relay changes only {@code hops}, which
     * grows from absent (0) to at most the hop limit, so it is measured with the hops at the limit.
     */
    public int relayedFrameBytes(Gossip g) {
        return 1 + Envelope.newBuilder().setGossip(g.toBuilder().setHops(params.hopLimit())).build().getSerializedSize();
    }

    /** Starts an unsigned broadcast with a random id (tests of the routing alone); returns the id. */
    public ByteString publish(PeerId self, String selfName, String topic, ByteString payload, long nowMillis) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        return publish(Gossip.newBuilder().setId(ByteString.copyFrom(id)).setOriginId(self.value())
                .setOriginName(selfName).setHops(0).setTopic(topic).setPayload(payload)
                .setOriginTimeMillis(nowMillis).build());
    }

    /**
     * Starts a broadcast of a message this node built (and signed, see {@link SignedGossip}); returns its id.
     *
     * @throws MessageTooLargeException if the message, signature included, would outgrow the frame limit once relayed
     * @throws IllegalArgumentException if its id is not {@value SignedGossip#ID_LENGTH} bytes long
     */
    public ByteString publish(Gossip g) {
        int frame = relayedFrameBytes(g);
        if (frame > maxFrameBytes) {
            int payload = g.getPayload().size();
            throw new MessageTooLargeException("message too large: " + payload + " bytes make a frame of "
                    + frame + " bytes once relayed, over the limit of " + maxFrameBytes + " (--max-message-size); "
                    + "at most " + (payload - (frame - maxFrameBytes)) + " bytes fit");
        }
        seen.putIfAbsent(g.getId()); // refuses an id of any length but 16 bytes
        cache.putIfAbsent(g.getId(), g.toByteArray());
        published++;
        forward(g, null, null);
        return g.getId();
    }

    public void onGossip(PeerId from, Gossip g) {
        // the wire validator lets no other id length through; this holds for callers that skip it
        if (!ExpiringIdCache.storable(g.getId())
                || !seen.contains(g.getId()) && !validator.accept(g, from)) {
            rejected++;
            return;
        }
        if (seen.putIfAbsent(g.getId())) {
            // only a first copy shows a link is a path: a duplicate may be a replay of what this node
            // pushed to that peer (an attacker's way to look alive while it passes nothing on)
            links.heardFrom(from);
            cache.putIfAbsent(g.getId(), g.toByteArray());
            MissingIds.Entry announced = grafter.arrived(g.getId());
            delivered++;
            delivery.deliver(g, from);
            if (params.mode() == GossipParams.Mode.PLUMTREE) {
                // the link that brought it first is on the fastest path: keep it in the tree
                links.promote(from);
                // an eager peer that passed nothing on for long is not a path (PeerLinks), unless the
                // eager links form a tree (backups in use): there a leaf's link carries only the few
                // messages its side sends, and a black hole delays the nodes behind it by the backup wait
                List<PeerId> silent = backupsInUse() ? List.of() : links.demoteSilent(from);
                for (PeerId p : silent) {
                    prunes++;
                    network.send(p, Envelope.newBuilder().setPrune(Prune.getDefaultInstance()).build());
                }
            }
            forward(g, from, announced);
        } else {
            duplicates++;
            ihaves.peerHas(from, g.getId()); // it pushed the message: it needs no announcement
            if (params.mode() == GossipParams.Mode.PLUMTREE) {
                onDuplicate(from);
            }
        }
    }

    /**
     * A whole copy came again: the link from {@code from} is not on the fastest path. Above the
     * floor it is pruned; at the floor it stays eager, or with backups it is pruned softly (it stays
     * a fast path by immediate announcements, so the floor still holds and the copies stop). A
     * sender that is already lazy here is pruned again: it pushed the whole message, so on its side
     * the link is still eager and it must hear that it is not.
     */
    private void onDuplicate(PeerId from) {
        boolean backup;
        if (!links.isEager(from)) {
            backup = links.isBackup(from);
        } else if (floorCount() > params.eagerFloor()) {
            backup = false;
        } else if (backupsInUse()) {
            backup = true;
        } else {
            return;
        }
        links.demote(from, backup);
        prunes++;
        network.send(from, Envelope.newBuilder().setPrune(Prune.newBuilder().setBackup(backup)).build());
    }

    public void onPrune(PeerId from) {
        onPrune(from, Prune.getDefaultInstance());
    }

    /** {@code from} pruned this node; if it keeps the link as a backup, new ids are announced to it at once. */
    public void onPrune(PeerId from, Prune prune) {
        links.prunedBy(from, prune.getBackup());
    }

    public void onIHave(PeerId from, IHave ihave) {
        for (ByteString id : ihave.getIdsList()) {
            if (!ExpiringIdCache.storable(id)) {
                continue;
            }
            if (seen.contains(id)) {
                ihaves.peerHas(from, id);
                continue;
            }
            grafter.announced(from, id);
        }
    }

    /**
     * Periodic upkeep (the node calls it every second): below {@code eagerFloor} eager links (eager
     * links and backups, with backups in use), lazy peers are grafted back at random (an empty Graft
     * means "push to me"); a node falling back from backups grafts its backups first. With backups
     * on, it also sets a short timer whose lateness tells the {@link BackupFallback} how busy the
     * node's thread is while no Graft timer runs.
     */
    public void heartbeat() {
        if (params.mode() != GossipParams.Mode.PLUMTREE) {
            return;
        }
        if (fallback != null) {
            long due = nanoTime.getAsLong() + LOAD_PROBE_NANOS;
            scheduler.schedule(() -> fallback.timerRan(due), LOAD_PROBE_NANOS, TimeUnit.NANOSECONDS);
        }
        boolean inUse = backupsInUse();
        List<PeerId> candidates = new ArrayList<>(links.lazy());
        java.util.Collections.shuffle(candidates, random);
        candidates.sort(java.util.Comparator.comparing(links::isSilenced)); // the silenced last
        if (fallback != null && !inUse) {
            candidates.sort(java.util.Comparator.comparing((PeerId p) -> !links.isBackup(p))); // backups first
        }
        for (PeerId p : candidates) {
            if (floorCount() >= params.eagerFloor()) {
                break;
            }
            if (inUse && links.isBackup(p)) {
                continue; // already counted
            }
            links.promote(p);
            grafts++;
            network.send(p, Envelope.newBuilder().setGraft(Graft.getDefaultInstance()).build());
        }
    }

    public void onGraft(PeerId from, Graft graft) {
        links.up(from);
        for (ByteString id : graft.getIdsList()) {
            Gossip g = cached(id);
            if (g != null && g.getHops() < params.hopLimit()) {
                Envelope env = Envelope.newBuilder().setGossip(g.toBuilder().setHops(g.getHops() + 1)).build();
                if (1 + env.getSerializedSize() <= maxFrameBytes) {
                    network.send(from, env);
                }
            }
        }
    }

    private Gossip cached(ByteString id) {
        byte[] bytes = cache.get(id);
        if (bytes == null) {
            return null;
        }
        try {
            return Gossip.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the message cache holds what this node serialized", e);
        }
    }

    /** The graft wait now (the configured timeout, longer while the tree runs late). */
    long graftWaitNanos() {
        return grafter.graftWaitNanos();
    }

    /**
     * Pushes {@code g} to the eager peers but {@code from} and announces it to the lazy ones, but
     * those that announced it here first ({@code announced}, null if none): they hold it.
     */
    private void forward(Gossip g, PeerId from, MissingIds.Entry announced) {
        if (g.getHops() + 1 > params.hopLimit()) {
            return;
        }
        Gossip next = g.toBuilder().setHops(g.getHops() + 1).build();
        Envelope whole = Envelope.newBuilder().setGossip(next).build();
        if (1 + whole.getSerializedSize() > maxFrameBytes) {
            // its origin made it too large to relay (an honest one cannot: see publish); sending
            // it would only make every neighbour drop this node's session
            oversizedNotRelayed++;
            return;
        }
        List<PeerId> targets = new ArrayList<>(links.eagerCount());
        for (PeerId p : links.eager()) {
            if (!p.equals(from)) {
                targets.add(p);
            }
        }
        network.sendToAll(targets, whole);
        if (params.mode() == GossipParams.Mode.PLUMTREE) {
            for (PeerId p : links.lazy()) {
                if (p.equals(from)) {
                    continue;
                }
                if (announced != null && announced.announcers.contains(p)) {
                    ihaves.countSkipped();
                    continue;
                }
                if (links.announceNow(p)) {
                    ihaves.sendNow(p, g.getId()); // the peer's backup link: it grafts soon if the tree is late
                } else {
                    ihaves.add(p, g.getId());
                }
            }
        }
    }

    public Stats stats() {
        return new Stats(published, delivered, duplicates, grafts + grafter.grafts(), prunes, grafter.ignored(),
                ihaves.dropped(), cache.bytesHeld(), oversizedNotRelayed, rejected, ihaves.frames(), ihaves.skipped(),
                fallback == null ? 0 : fallback.trips());
    }

    /** Neighbours that currently get whole messages (Plumtree's tree links). */
    public Set<PeerId> eagerPeers() {
        return Set.copyOf(links.eager());
    }
}
