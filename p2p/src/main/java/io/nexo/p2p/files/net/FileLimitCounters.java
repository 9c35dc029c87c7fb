package io.nexo.p2p.files.net;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often each {@link FileLimits} limit triggered, and the log line that says so: at most one
 * per limit every {@link #LOG_INTERVAL_NANOS}, with the count of those not logged since. The clock
 * is injected. Thread-safe.
 */
public final class FileLimitCounters {

    private static final Logger log = LoggerFactory.getLogger(FileLimitCounters.class);

    static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    /** The limits that are counted. */
    public enum Limit {
        /** A control message over the peer's byte rate: dropped. */
        CONTROL_RATE("control messages over the byte rate, dropped"),
        /** A request whose answer would exceed the peer's reply queue: dropped unanswered. */
        REPLY_QUEUE("requests dropped: answers already queued for the peer"),
        /** An offer learned through a peer that has as many as it may add: ignored. */
        OFFERS_PER_PEER("offers ignored: the peer's catalog share is full"),
        /** An offer while the whole catalog is full: ignored. */
        OFFERS("offers ignored: the catalog is full"),
        /** A block of a chunk not requested from the peer: dropped. */
        UNREQUESTED_BLOCK("unrequested blocks dropped"),
        /** A peer closed for sending too many unrequested blocks. */
        UNREQUESTED_CLOSE("sessions closed for unrequested blocks"),
        /** An upload the peer did not take in time: slot freed, session closed. */
        UPLOAD_TIMEOUT("uploads not read in time: slot freed, session closed");

        private final String meaning;

        Limit(String meaning) {
            this.meaning = meaning;
        }

        public String meaning() {
            return meaning;
        }
    }

    private final LongSupplier nanoTime;
    private final Map<Limit, AtomicLong> counts = new EnumMap<>(Limit.class);
    private final Map<Limit, long[]> lastLog = new EnumMap<>(Limit.class);

    FileLimitCounters(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        for (Limit l : Limit.values()) {
            counts.put(l, new AtomicLong());
            lastLog.put(l, new long[] {0, 0, 0}); // logged yet (0/1), when, count then
        }
    }

    /** Counts one trigger of {@code limit} by {@code peer}, and logs it unless one was logged lately. */
    void trip(Limit limit, Object peer, String detail) {
        long count = counts.get(limit).incrementAndGet();
        long now = nanoTime.getAsLong();
        long[] last = lastLog.get(limit);
        long skipped;
        synchronized (last) {
            if (last[0] == 1 && now - last[1] < LOG_INTERVAL_NANOS) {
                return;
            }
            skipped = last[0] == 1 ? count - last[2] - 1 : 0;
            last[0] = 1;
            last[1] = now;
            last[2] = count;
        }
        log.warn("files/1 limit {} ({}) by {}: {} ({} in all, {} more since the last such line)", limit,
                limit.meaning(), peer, detail, count, skipped);
    }

    /** How often {@code limit} triggered. */
    public long count(Limit limit) {
        return counts.get(limit).get();
    }

    /** Every limit's count, in {@link Limit} order. */
    public Map<Limit, Long> snapshot() {
        Map<Limit, Long> out = new EnumMap<>(Limit.class);
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
