package io.nexo.p2p.files;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Transfer rate over a sliding window, for progress bars: bytes per second over the last few
 * seconds (not since the start, so a stall shows at once) and the time left at that rate.
 * Thread-safe; the clock is injected.
 */
public final class TransferRate {

    private record Sample(long nanos, long bytes) {
    }

    private final LongSupplier nanoTime;
    private final long windowNanos;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private long total;

    public TransferRate(LongSupplier nanoTime, long windowNanos) {
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("window: " + windowNanos + " ns (expected: > 0)");
        }
        this.nanoTime = nanoTime;
        this.windowNanos = windowNanos;
        samples.add(new Sample(nanoTime.getAsLong(), 0));
    }

    /** Counts {@code bytes} more transferred now. */
    public synchronized void add(long bytes) {
        total += bytes;
        long now = nanoTime.getAsLong();
        samples.add(new Sample(now, total));
        trim(now);
    }

    /** Bytes per second over the window; 0 before anything moved. */
    public synchronized double bytesPerSecond() {
        long now = nanoTime.getAsLong();
        trim(now);
        Sample first = samples.peekFirst();
        long elapsed = now - first.nanos;
        if (elapsed <= 0) {
            return 0;
        }
        return (total - first.bytes) * 1e9 / elapsed;
    }

    /** Seconds left to move {@code remaining} bytes at the current rate; -1 when unknown. */
    public long etaSeconds(long remaining) {
        double rate = bytesPerSecond();
        if (remaining <= 0) {
            return 0;
        }
        return rate <= 0 ? -1 : (long) Math.ceil(remaining / rate);
    }

    private void trim(long now) {
        // keep one sample at or before the window start so the rate covers the whole window
        while (samples.size() > 1) {
            Sample second = samples.stream().skip(1).findFirst().orElseThrow();
            if (now - second.nanos >= windowNanos) {
                samples.pollFirst();
            } else {
                break;
            }
        }
    }
}
