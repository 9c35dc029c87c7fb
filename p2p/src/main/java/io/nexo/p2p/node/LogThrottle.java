package io.nexo.p2p.node;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most one log line per period for a repeated event (a refusal under a flood must not become a
 * disk-filling log); says how many were not logged since the last line. Thread-safe.
 */
final class LogThrottle {

    private final long periodNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong last;
    private final AtomicLong suppressed = new AtomicLong();

    LogThrottle(long period, TimeUnit unit, LongSupplier nanoTime) {
        this.periodNanos = unit.toNanos(period);
        this.nanoTime = nanoTime;
        this.last = new AtomicLong(nanoTime.getAsLong() - periodNanos);
    }

    static LogThrottle perSecond() {
        return new LogThrottle(1, TimeUnit.SECONDS, System::nanoTime);
    }

    /**
     * Returns -1 when this event must not be logged, otherwise how many events were not logged
     * since the last one that was.
     */
    long allow() {
        long now = nanoTime.getAsLong();
        long prev = last.get();
        if (now - prev >= periodNanos && last.compareAndSet(prev, now)) {
            return suppressed.getAndSet(0);
        }
        suppressed.incrementAndGet();
        return -1;
    }
}
