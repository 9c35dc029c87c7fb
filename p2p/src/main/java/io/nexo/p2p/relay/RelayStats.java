package io.nexo.p2p.relay;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What a relay granted, refused and carried; read by {@code /relay} and tests. Thread-safe. */
public final class RelayStats {

    /** Why a reservation or a circuit was refused or cut. */
    public enum Refusal {
        /** Reservation table full. */
        RESERVATIONS_FULL,
        /** CONNECT to a node without a (live) reservation. */
        NO_RESERVATION,
        /** Circuits in total at the limit. */
        CIRCUITS_FULL,
        /** Circuits to one reserved node at the limit. */
        CIRCUITS_PER_PEER,
        /** Circuits from one IP address at the limit. */
        CIRCUITS_PER_IP,
        /** ACCEPT with a token never issued, already used or expired. */
        BAD_TOKEN,
        /** The reserved node did not answer within the token's lifetime. */
        TARGET_SILENT,
        /** A preamble that is not one of the two requests, too long, or not ASCII. */
        BAD_PREAMBLE,
        /** A circuit closed for carrying its byte limit. */
        CIRCUIT_BYTES,
        /** A circuit closed for lasting its time limit. */
        CIRCUIT_DURATION
    }

    /** A copy of the counters at one moment. */
    public record Snapshot(int reservations, int circuitsOpen, long reservationsGranted, long circuitsSpliced,
                           long bytesForwarded, Map<Refusal, Long> refused) {
        public Snapshot {
            refused = Map.copyOf(refused);
        }

        public long refused(Refusal r) {
            return refused.getOrDefault(r, 0L);
        }
    }

    private final LongAdder reservationsGranted = new LongAdder();
    private final LongAdder circuitsSpliced = new LongAdder();
    private final LongAdder bytesForwarded = new LongAdder();
    private final Map<Refusal, AtomicLong> refused = new EnumMap<>(Refusal.class);

    RelayStats() {
        for (Refusal r : Refusal.values()) {
            refused.put(r, new AtomicLong());
        }
    }

    void granted() {
        reservationsGranted.increment();
    }

    void spliced() {
        circuitsSpliced.increment();
    }

    void forwarded(long bytes) {
        bytesForwarded.add(bytes);
    }

    void refused(Refusal r) {
        refused.get(r).incrementAndGet();
    }

    Snapshot snapshot(int reservations, int circuitsOpen) {
        Map<Refusal, Long> copy = new EnumMap<>(Refusal.class);
        refused.forEach((k, v) -> copy.put(k, v.get()));
        return new Snapshot(reservations, circuitsOpen, reservationsGranted.sum(), circuitsSpliced.sum(),
                bytesForwarded.sum(), copy);
    }
}
