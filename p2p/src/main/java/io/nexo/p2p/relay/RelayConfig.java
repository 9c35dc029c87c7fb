package io.nexo.p2p.relay;

import java.util.Objects;

/**
 * The relay roles of a node.
 *
 * @param serve        offer relay to others ({@code --relay on}): reservations and circuits within {@code limits}
 * @param reserveOn    how many connected peers to hold a reservation on (0 = none), for a node that
 *                     cannot be dialled directly ({@code --relay-reservations}); {@link #AUTO}: one
 *                     when the node finds itself behind NAT, none otherwise
 * @param limits       what this node lets others spend when it serves
 * @param holePunch    try to replace a relayed session with a direct one by hole punching
 *                     ({@code --hole-punch on|off}); off, the node neither starts a punch nor offers
 *                     addresses to one (tests that want a relayed session on loopback)
 */
public record RelayConfig(boolean serve, int reserveOn, RelayLimits limits, boolean holePunch) {

    public static final boolean DEFAULT_SERVE = true;
    /** {@code reserveOn}: one relay when the node is private (AutoNAT), none when public or unknown. */
    public static final int AUTO = -1;
    public static final int DEFAULT_RESERVE_ON = AUTO;
    /** Relays a node holds reservations on at most: more only costs relays. */
    public static final int MAX_RESERVE_ON = 4;
    public static final boolean DEFAULT_HOLE_PUNCH = true;

    public RelayConfig {
        Objects.requireNonNull(limits, "limits");
        if (reserveOn < AUTO || reserveOn > MAX_RESERVE_ON) {
            throw new IllegalArgumentException("reserveOn: " + reserveOn + " (expected: auto or 0-" + MAX_RESERVE_ON + ")");
        }
    }

    public RelayConfig(boolean serve, int reserveOn, RelayLimits limits) {
        this(serve, reserveOn, limits, DEFAULT_HOLE_PUNCH);
    }

    public static RelayConfig defaults() {
        return new RelayConfig(DEFAULT_SERVE, DEFAULT_RESERVE_ON, RelayLimits.defaults(), DEFAULT_HOLE_PUNCH);
    }

    public RelayConfig withServe(boolean s) {
        return new RelayConfig(s, reserveOn, limits, holePunch);
    }

    public RelayConfig withReserveOn(int n) {
        return new RelayConfig(serve, n, limits, holePunch);
    }

    public RelayConfig withLimits(RelayLimits l) {
        return new RelayConfig(serve, reserveOn, l, holePunch);
    }

    public RelayConfig withHolePunch(boolean on) {
        return new RelayConfig(serve, reserveOn, limits, on);
    }
}
