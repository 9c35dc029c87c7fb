package io.nexo.lb.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of one listener: accepted, refused (over its connection limit or its
 * per-client-IP limit) and open connections. */
public final class ListenerStats {

    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder refusedPerIp = new LongAdder();

    /**
     * Counts a new client connection if fewer than {@code max} are open (0 = no limit).
     *
     * @return false when it must be refused; it is then counted as refused, not accepted
     */
    public boolean tryAccept(int max) {
        int now = active.incrementAndGet();
        if (max > 0 && now > max) {
            active.decrementAndGet();
            refused.increment();
            return false;
        }
        accepted.increment();
        return true;
    }

    /** A connection counted by {@link #tryAccept} closed. */
    public void closed() {
        active.decrementAndGet();
    }

    public int active() {
        return active.get();
    }

    public long accepted() {
        return accepted.sum();
    }

    public long refused() {
        return refused.sum();
    }

    /** A client was refused because its address (or IPv6 /64) was at max-connections-per-ip. */
    public void refusedPerIp() {
        refusedPerIp.increment();
    }

    public long refusedPerIpCount() {
        return refusedPerIp.sum();
    }
}
