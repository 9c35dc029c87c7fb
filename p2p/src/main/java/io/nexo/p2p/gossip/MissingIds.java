package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.PeerId;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The ids a {@link GossipRouter} heard of by IHave and has not received yet: who announced each
 * (the Graft goes to them in turn), its graft timer, and how late the tree has been bringing
 * announced messages, which sets the graft wait. Bounded in total and per first announcer, so a
 * peer announcing ids nobody has holds at most its share. Confined to the router's thread.
 */
final class MissingIds {

    /** One id announced and not received. */
    static final class Entry {
        final ArrayDeque<PeerId> announcers = new ArrayDeque<>();
        final PeerId creator;
        final long announcedAtNanos;
        ScheduledFuture<?> timer;
        boolean grafted;
        /** The id was announced by a backup link: grafted after {@code backupWait}. */
        boolean fromBackup;
        /** When its graft timer is due (how late the timer ran tells the router how busy its thread is). */
        long dueNanos;

        Entry(PeerId creator, long announcedAtNanos) {
            this.creator = creator;
            this.announcedAtNanos = announcedAtNanos;
        }
    }

    /** Longest wait before a Graft, however slow the tree path has been. */
    private static final long MAX_GRAFT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final GossipParams params;
    private final LongSupplier nanoTime;
    private final Map<ByteString, Entry> entries = new HashMap<>();
    /** How many entries each peer created (it announced the id first). */
    private final Map<PeerId, Integer> byCreator = new HashMap<>();
    private long ignored;
    /** Moving average of how much later than its IHave a message came through the tree. */
    private double lateNanos;

    MissingIds(GossipParams params, LongSupplier nanoTime) {
        this.params = params;
        this.nanoTime = nanoTime;
    }

    Entry get(ByteString id) {
        return entries.get(id);
    }

    /** The entry for {@code id}, made for its first announcer {@code from}; null (and counted) past a bound. */
    Entry track(ByteString id, PeerId from) {
        Entry e = entries.get(id);
        if (e == null) {
            int mine = byCreator.getOrDefault(from, 0);
            if (entries.size() >= params.maxMissing() || mine >= params.maxMissingPerPeer()) {
                ignored++; // the tree, or another announcer, will still bring it
                return null;
            }
            e = new Entry(from, nanoTime.getAsLong());
            entries.put(id, e);
            byCreator.put(from, mine + 1);
        }
        return e;
    }

    Entry remove(ByteString id) {
        Entry e = entries.remove(id);
        if (e != null) {
            byCreator.computeIfPresent(e.creator, (p, n) -> n > 1 ? n - 1 : null);
        }
        return e;
    }

    /**
     * {@code id} arrived: no Graft for it; if the tree brought it after an announcement, learn how
     * late. Returns the entry (its announcers hold the message), or null if nobody announced it.
     */
    Entry arrived(ByteString id) {
        Entry e = remove(id);
        if (e == null) {
            return null;
        }
        if (e.timer != null) {
            e.timer.cancel(false);
        }
        if (!e.grafted) {
            // learn how late the tree runs, so a loaded network is not flooded with needless
            // Grafts (which add eager links)
            long late = nanoTime.getAsLong() - e.announcedAtNanos;
            lateNanos = lateNanos == 0 ? late : 0.9 * lateNanos + 0.1 * late;
        }
        return e;
    }

    void peerDown(PeerId peer) {
        for (Entry e : entries.values()) {
            e.announcers.remove(peer);
        }
    }

    /** The configured graft timeout, or twice the tree's recent lateness if that is longer (capped). */
    long graftWaitNanos() {
        return Math.min(MAX_GRAFT_WAIT_NANOS, Math.max(params.graftTimeout().toNanos(), (long) (2 * lateNanos)));
    }

    /** Announced ids not tracked because a bound was reached. */
    long ignored() {
        return ignored;
    }
}
