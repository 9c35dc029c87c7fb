package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Graft;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Plumtree's repair path for a {@link GossipRouter}: an id announced by IHave that the tree does
 * not bring within the graft wait (or within {@code backupWait}, when a backup link announced it)
 * is asked for by Graft, from its announcers in turn. Confined to the router's thread; its timers
 * run on the router's scheduler.
 */
final class LateMessageGrafter {

    private final GossipParams params;
    private final GossipRouter.Network network;
    private final ScheduledExecutorService scheduler;
    private final PeerLinks links;
    private final Predicate<ByteString> seen;
    private final MissingIds missing;
    private final LongSupplier nanoTime;
    private final BooleanSupplier backupsInUse;
    private final LongConsumer timerRan;
    private long grafts;

    /**
     * @param links the router's links (whether an announcer is a backup)
     * @param seen  whether the router has the message already
     * @param backupsInUse whether a backup's announcement gets the backup wait (else the graft wait)
     * @param timerRan     told the due time of each graft timer as it runs (how late the thread is)
     */
    LateMessageGrafter(GossipParams params, GossipRouter.Network network, ScheduledExecutorService scheduler,
                       PeerLinks links, Predicate<ByteString> seen, LongSupplier nanoTime,
                       BooleanSupplier backupsInUse, LongConsumer timerRan) {
        this.params = params;
        this.nanoTime = nanoTime;
        this.backupsInUse = backupsInUse;
        this.timerRan = timerRan;
        this.network = network;
        this.scheduler = scheduler;
        this.links = links;
        this.seen = seen;
        this.missing = new MissingIds(params, nanoTime);
    }

    /** {@code from} announced {@code id}, which this node does not have: wait for the tree, then graft. */
    void announced(PeerId from, ByteString id) {
        MissingIds.Entry m = missing.track(id, from);
        if (m == null) {
            return;
        }
        // a backup announces as soon as it has the message: the tree is late if it has not
        // brought it within backupWait. A backup's announcement after a lazy peer's batched one
        // shortens the wait and goes first in line for the Graft.
        boolean backup = links.isBackup(from) && backupsInUse.getAsBoolean();
        if (backup && !m.fromBackup && !m.grafted) {
            m.announcers.remove(from);
            m.announcers.addFirst(from);
            if (m.timer != null) {
                m.timer.cancel(false);
                m.timer = null;
            }
        } else if (!m.announcers.contains(from)) {
            m.announcers.add(from);
        }
        if (m.timer == null) {
            m.fromBackup = backup;
            schedule(m, id, backup ? params.backupWait().toNanos() : missing.graftWaitNanos());
        }
    }

    /**
     * {@code id} arrived: its timer stops. Returns its entry (its announcers hold the message), or
     * null if nobody announced it.
     */
    MissingIds.Entry arrived(ByteString id) {
        return missing.arrived(id);
    }

    void peerDown(PeerId peer) {
        missing.peerDown(peer);
    }

    private void graftMissing(ByteString id) {
        MissingIds.Entry m = missing.get(id);
        if (m == null) {
            return;
        }
        timerRan.accept(m.dueNanos);
        if (seen.test(id) || m.announcers.isEmpty()) {
            missing.remove(id);
            return;
        }
        PeerId announcer = m.announcers.poll();
        m.grafted = true;
        // not promoted yet: the announcer joins this node's tree when it brings the message (a
        // first copy promotes its sender). Promoting on the Graft would let a peer that announces
        // ids nobody has stay eager, and hold a place in the floor, by being grafted again and again.
        grafts++;
        network.send(announcer, Envelope.newBuilder().setGraft(Graft.newBuilder().addIds(id)).build());
        schedule(m, id, params.graftRetry().toNanos());
    }

    private void schedule(MissingIds.Entry m, ByteString id, long delayNanos) {
        m.dueNanos = nanoTime.getAsLong() + delayNanos;
        m.timer = scheduler.schedule(() -> graftMissing(id), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** The graft wait now (the configured timeout, longer while the tree runs late). */
    long graftWaitNanos() {
        return missing.graftWaitNanos();
    }

    /** Grafts sent for missing ids. */
    long grafts() {
        return grafts;
    }

    /** Announced ids not tracked because a bound was reached. */
    long ignored() {
        return missing.ignored();
    }
}
