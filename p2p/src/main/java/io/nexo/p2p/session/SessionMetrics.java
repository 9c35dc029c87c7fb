package io.nexo.p2p.session;

import io.nexo.p2p.wire.WireViolation;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what the session layer refused, for one node (all its sessions): the oracle of the
 * attack tests and what {@code /stats} shows. Thread-safe; counted on the sessions' I/O threads.
 */
public final class SessionMetrics {

    private final Map<WireViolation, LongAdder> violations = new EnumMap<>(WireViolation.class);
    private final LongAdder oversizedFrames = new LongAdder();
    private final LongAdder malformedFrames = new LongAdder();
    private final LongAdder rateDropped = new LongAdder();
    private final LongAdder floodDisconnects = new LongAdder();
    private final LongAdder queueOverflows = new LongAdder();
    private final LongAdder oversizedOutgoing = new LongAdder();

    public SessionMetrics() {
        for (WireViolation v : WireViolation.values()) {
            violations.put(v, new LongAdder());
        }
    }

    void countViolation(WireViolation v) {
        violations.get(v).increment();
    }

    void countOversizedFrame() {
        oversizedFrames.increment();
    }

    void countMalformedFrame() {
        malformedFrames.increment();
    }

    void countRateDropped() {
        rateDropped.increment();
    }

    void countFloodDisconnect() {
        floodDisconnects.increment();
    }

    void countQueueOverflow() {
        queueOverflows.increment();
    }

    void countOversizedOutgoing() {
        oversizedOutgoing.increment();
    }

    /** Sessions closed for an envelope that broke this bound. */
    public long violations(WireViolation v) {
        return violations.get(v).sum();
    }

    /** Sessions closed for a frame over the frame limit. */
    public long oversizedFrames() {
        return oversizedFrames.sum();
    }

    /** Sessions closed for a frame that did not parse (unknown kind, bad protobuf, bad binary header). */
    public long malformedFrames() {
        return malformedFrames.sum();
    }

    /** Messages dropped by a per-peer rate limit. */
    public long rateDropped() {
        return rateDropped.sum();
    }

    /** Sessions closed for flooding (over the rate for longer than the tolerance). */
    public long floodDisconnects() {
        return floodDisconnects.sum();
    }

    /** Sessions closed because the peer did not read (outbound queue over its bound). */
    public long queueOverflows() {
        return queueOverflows.sum();
    }

    /** Messages this node refused to send because their frame would exceed the limit (a bug if not 0). */
    public long oversizedOutgoing() {
        return oversizedOutgoing.sum();
    }
}
