package io.nexo.p2p.files.net;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.Backoff;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Which holder addresses the file exchange may dial now. An address whose dial failed waits an
 * exponential backoff ({@link Backoff}: 2 s doubling to 5 min) before it is dialled again, whichever
 * holder names it, one dial per address and at most {@link #MAX_IN_FLIGHT} run at once. So many holders that name
 * one address (identities are free to make, and each may sign any address) cost that address one
 * connection attempt per backoff, not one per holder every few seconds: no reflection at a third
 * party. Bounded to {@link #MAX_ADDRESSES} addresses; thread-safe (synchronized).
 */
final class HolderDials {

    static final int MAX_IN_FLIGHT = 8;
    static final int MAX_ADDRESSES = 4096;
    static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5));

    private record State(int failures, long notBeforeNanos) {
    }

    private final LongSupplier nanoTime;
    private final Random random;
    private final LinkedHashMap<HostAndPort, State> failed = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<HostAndPort, State> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };
    private final java.util.Set<HostAndPort> inFlight = new java.util.HashSet<>();

    HolderDials(LongSupplier nanoTime, Random random) {
        this.nanoTime = nanoTime;
        this.random = random;
    }

    /** Null and a dial slot taken when {@code addr} may be dialled now; else why not. */
    synchronized String tryStart(HostAndPort addr) {
        State s = failed.get(addr);
        if (s != null && nanoTime.getAsLong() - s.notBeforeNanos < 0) {
            return "backing off " + addr + " after " + s.failures + " failed dial(s)";
        }
        if (inFlight.contains(addr)) {
            return "a dial to " + addr + " is in progress";
        }
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            return MAX_IN_FLIGHT + " holder dials in progress";
        }
        inFlight.add(addr);
        return null;
    }

    /** A dial started by {@link #tryStart} ended. */
    synchronized void finished(HostAndPort addr, boolean connected) {
        inFlight.remove(addr);
        if (connected) {
            failed.remove(addr);
            return;
        }
        State s = failed.get(addr);
        int failures = s == null ? 1 : s.failures + 1;
        failed.put(addr, new State(failures, nanoTime.getAsLong() + BACKOFF.delay(failures, random).toNanos()));
    }
}
