package io.nexo.p2p.relay;

import java.time.Duration;
import java.util.Objects;

/**
 * What a relay lets others spend on it (docs/security.md, "Relay limits", says why these defaults).
 *
 * @param reservationTtl     how long a reservation lasts unless renewed
 * @param maxReservations    nodes holding a reservation at once
 * @param maxCircuits        circuits open (or waiting for their target) at once, in total
 * @param maxCircuitsPerPeer circuits open at once to one reserved node
 * @param maxCircuitsPerIp   circuits open at once from one dialling IP address
 * @param maxCircuitBytes    bytes one circuit may carry, both directions together; then it is closed
 * @param maxCircuitDuration how long one circuit may stay open; then it is closed
 * @param tokenTtl           how long the reserved node has to answer a circuit with its token
 */
public record RelayLimits(Duration reservationTtl, int maxReservations, int maxCircuits, int maxCircuitsPerPeer,
                          int maxCircuitsPerIp, long maxCircuitBytes, Duration maxCircuitDuration, Duration tokenTtl) {

    public static final Duration DEFAULT_RESERVATION_TTL = Duration.ofHours(1);
    public static final int DEFAULT_MAX_RESERVATIONS = 128;
    public static final int DEFAULT_MAX_CIRCUITS = 64;
    public static final int DEFAULT_MAX_CIRCUITS_PER_PEER = 16;
    public static final int DEFAULT_MAX_CIRCUITS_PER_IP = 8;
    public static final long DEFAULT_MAX_CIRCUIT_BYTES = 1L << 30;
    public static final Duration DEFAULT_MAX_CIRCUIT_DURATION = Duration.ofMinutes(30);
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofSeconds(10);

    public RelayLimits {
        Objects.requireNonNull(reservationTtl, "reservationTtl");
        Objects.requireNonNull(maxCircuitDuration, "maxCircuitDuration");
        Objects.requireNonNull(tokenTtl, "tokenTtl");
        within("reservationTtl", reservationTtl, Duration.ofSeconds(1), Duration.ofDays(1));
        within("maxReservations", maxReservations, 1, 65_536);
        within("maxCircuits", maxCircuits, 1, 65_536);
        within("maxCircuitsPerPeer", maxCircuitsPerPeer, 1, maxCircuits);
        within("maxCircuitsPerIp", maxCircuitsPerIp, 1, maxCircuits);
        if (maxCircuitBytes < 1024) {
            throw new IllegalArgumentException("maxCircuitBytes: " + maxCircuitBytes + " (expected: at least 1024)");
        }
        within("maxCircuitDuration", maxCircuitDuration, Duration.ofSeconds(1), Duration.ofDays(1));
        within("tokenTtl", tokenTtl, Duration.ofMillis(100), Duration.ofMinutes(1));
    }

    public static RelayLimits defaults() {
        return new RelayLimits(DEFAULT_RESERVATION_TTL, DEFAULT_MAX_RESERVATIONS, DEFAULT_MAX_CIRCUITS,
                DEFAULT_MAX_CIRCUITS_PER_PEER, DEFAULT_MAX_CIRCUITS_PER_IP, DEFAULT_MAX_CIRCUIT_BYTES,
                DEFAULT_MAX_CIRCUIT_DURATION, DEFAULT_TOKEN_TTL);
    }

    private static void within(String name, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: " + min + "-" + max + ")");
        }
    }

    private static void within(String name, Duration v, Duration min, Duration max) {
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + ": " + v.toMillis() + " ms (expected: " + min.toMillis() + "-"
                    + max.toMillis() + " ms)");
        }
    }
}
