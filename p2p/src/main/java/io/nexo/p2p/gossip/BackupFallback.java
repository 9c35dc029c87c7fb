package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Decides whether one {@link GossipRouter} uses its backup links now, or falls back to a plain
 * eager floor for a while. Backups pay off when the tree is about as fast as the backups (a quiet
 * network: the eager links thin out to a tree, next to no duplicates). Where hops take longer than
 * {@link GossipParams#backupWait()} (a loaded machine, a slow network), the tree's copy is often
 * still on its way when the wait ends: the backup is grafted needlessly, the message then comes
 * twice, and the grafted link pushes whole copies until a duplicate prunes it again; and where the
 * tree keeps breaking, messages come by the lazy path (IHave, then a Graft after the graft timeout).
 * So a node counts, per {@link #WINDOW} messages it delivers, its needless backup grafts (a graft
 * from a backup whose message also came another way) and the messages it got by the lazy path; past
 * {@link #MAX_NEEDLESS} or {@link #MAX_LAZY_REPAIRS} it stops using backups for a pause (the floor
 * counts eager links only, and a silent eager link is pruned, as without backups), then tries again.
 * The pause doubles while backups keep failing (from {@link #FIRST_PAUSE_NANOS} up to
 * {@link #MAX_PAUSE_NANOS}) and starts over after a window within both bounds. Confined to the
 * router's thread.
 */
final class BackupFallback {
    /** First deliveries per verdict. */
    static final int WINDOW = 100;
    /** Needless backup grafts a window may hold; one more and the node falls back. */
    static final int MAX_NEEDLESS = 10;
    /**
     * Messages a window may get by the lazy path (a Graft to an announcer that is not a backup, after
     * the graft timeout); one more and the node falls back. With backups working every message
     * comes by the tree or a backup; more than 1 in 100 by the lazy path puts p99 at the graft
     * timeout.
     */
    static final int MAX_LAZY_REPAIRS = 1;
    /** Windows after starting or resuming that are not judged: the eager links are still thinning out to a tree. */
    static final int SETTLING_WINDOWS = 3;
    static final long FIRST_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long MAX_PAUSE_NANOS = TimeUnit.MINUTES.toNanos(10);
    /** Ids grafted from a backup that are remembered until a second copy shows the graft was needless. */
    private static final int MAX_GRAFTED = 64;

    private final boolean enabled;
    private final LongSupplier nanoTime;
    /** Insertion-ordered, the oldest dropped past {@link #MAX_GRAFTED}: bounded whatever peers announce. */
    private final Map<ByteString, Boolean> grafted = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteString, Boolean> eldest) {
            return size() > MAX_GRAFTED;
        }
    };
    private int delivered;
    private int needless;
    private int lazyRepairs;
    /** Windows passed since starting or resuming (the first {@link #SETTLING_WINDOWS} are not judged). */
    private int windows;
    private boolean paused;
    private long resumeAtNanos;
    private long pauseNanos = FIRST_PAUSE_NANOS;
    private long fallbacks;

    BackupFallback(GossipParams params, LongSupplier nanoTime) {
        this.enabled = params.mode() == GossipParams.Mode.PLUMTREE && params.backups();
        this.nanoTime = nanoTime;
    }

    /** Backups are configured and not paused: the floor counts them and duplicates at it prune softly. */
    boolean active() {
        if (!enabled) {
            return false;
        }
        if (paused && nanoTime.getAsLong() - resumeAtNanos >= 0) {
            paused = false;
            delivered = 0;
            needless = 0;
            lazyRepairs = 0;
            windows = 0;
            grafted.clear();
        }
        return !paused;
    }

    /** {@code id}, announced by a backup, was grafted because the tree had not brought it in time. */
    void graftedFromBackup(ByteString id) {
        if (active()) {
            grafted.put(id, Boolean.TRUE);
        }
    }

    /** A second copy of {@code id} came: if it was grafted from a backup, that graft was needless. */
    void duplicate(ByteString id) {
        if (grafted.remove(id) != null && active()) {
            needless++;
        }
    }

    /**
     * A message new to this node came; {@code lazily} if only after a Graft to an announcer that is
     * not a backup (the lazy path: at least the graft timeout late). Every {@link #WINDOW} of them
     * the window is judged, except the first after starting or resuming (the tree is still forming).
     */
    void delivered(boolean lazily) {
        if (!active()) {
            return;
        }
        if (lazily) {
            lazyRepairs++;
        }
        if (++delivered < WINDOW) {
            return;
        }
        boolean failing = needless > MAX_NEEDLESS || lazyRepairs > MAX_LAZY_REPAIRS;
        boolean judged = ++windows > SETTLING_WINDOWS;
        delivered = 0;
        needless = 0;
        lazyRepairs = 0;
        if (!judged) {
            return;
        }
        if (failing) {
            fallBack();
        } else {
            pauseNanos = FIRST_PAUSE_NANOS; // backups work here: a later fallback pauses briefly again
        }
    }

    private void fallBack() {
        paused = true;
        resumeAtNanos = nanoTime.getAsLong() + pauseNanos;
        pauseNanos = Math.min(MAX_PAUSE_NANOS, 2 * pauseNanos);
        grafted.clear();
        fallbacks++;
    }

    /** How many times this node stopped using its backups. */
    long fallbacks() {
        return fallbacks;
    }
}
