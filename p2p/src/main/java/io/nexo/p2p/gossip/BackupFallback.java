package io.nexo.p2p.gossip;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * When a node with backup links ({@link GossipParams#backupWait()}) stops using them and keeps its
 * eager floor as a node without backups does. Backups pay off while a hop is shorter than the
 * backup wait; when the node's own timers run late (its event loop is the queue), hops are longer
 * than that, backups graft what the tree is still bringing, and each needless Graft and pushed copy
 * lengthens the queue further: at 1000 nodes past the machine's capacity, p99 ran away to seconds
 * where the floor stayed under 100 ms (docs/benchmarks.md). So every timer the router runs reports
 * how late it ran; when more than {@link #TRIP_SHARE} of the recent ones (a moving share, each
 * sample weighing {@link #SAMPLE_WEIGHT}) were later than half the backup wait, the node falls back
 * for a hold: 30 s, doubled each time it trips again within a hold's length of the last one, at
 * most 10 minutes. Then it tries backups again with a fresh share. Confined to the router's thread.
 */
final class BackupFallback {

    static final double SAMPLE_WEIGHT = 0.1;
    static final double TRIP_SHARE = 0.3;
    static final long FIRST_HOLD_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long MAX_HOLD_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final long lateNanos;
    private final LongSupplier nanoTime;
    private double lateShare;
    private long holdEndNanos;
    /** The hold in force, or the last one. */
    private long holdNanos;
    private long trips;

    /** @param backupWaitNanos the backup wait (positive): a timer later than half of it counts as late */
    BackupFallback(long backupWaitNanos, LongSupplier nanoTime) {
        if (backupWaitNanos <= 0) {
            throw new IllegalArgumentException("backupWaitNanos: " + backupWaitNanos + " (expected: > 0)");
        }
        this.lateNanos = backupWaitNanos / 2;
        this.nanoTime = nanoTime;
    }

    /** A timer due at {@code dueNanos} runs now. */
    void timerRan(long dueNanos) {
        long now = nanoTime.getAsLong();
        if (active(now)) {
            return; // the hold runs its course; the share starts afresh after it
        }
        lateShare = (1 - SAMPLE_WEIGHT) * lateShare + (now - dueNanos > lateNanos ? SAMPLE_WEIGHT : 0);
        if (lateShare > TRIP_SHARE) {
            // doubled if the last hold ended less than its own length ago, else from the start
            holdNanos = trips == 0 || now - holdEndNanos >= holdNanos ? FIRST_HOLD_NANOS
                    : Math.min(2 * holdNanos, MAX_HOLD_NANOS);
            holdEndNanos = now + holdNanos;
            lateShare = 0;
            trips++;
        }
    }

    /** Whether the node is falling back to the plain eager floor now. */
    boolean active() {
        return active(nanoTime.getAsLong());
    }

    private boolean active(long now) {
        return trips > 0 && now - holdEndNanos < 0;
    }

    /** How many times the node fell back. */
    long trips() {
        return trips;
    }
}
