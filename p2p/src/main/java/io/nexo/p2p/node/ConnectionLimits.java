package io.nexo.p2p.node;

import java.time.Duration;
import java.util.Objects;

/**
 * How many connections strangers may hold on the node, and which are trimmed when it is full
 * (go-libp2p connmgr's low and high water marks, with outbound peers the node chose worth more
 * than inbound ones). Outbound sessions ({@code --target-peers}, {@code --join}, {@code /connect})
 * are never trimmed; a {@code --join} peer is protected in either direction.
 *
 * @param maxInbound          inbound sessions at most (the high water mark); a new inbound session
 *                            beyond it trims inbound peers down to {@code inboundLowWater}, or is
 *                            refused when none may be trimmed
 * @param inboundLowWater     inbound sessions left after a trim
 * @param maxInboundPerSubnet inbound connections (handshaking or established) from one IPv4 /24
 *                            or one IPv6 /64; more are closed at accept
 * @param gracePeriod         a new inbound session is not trimmed for this long
 * @param maxRelayedInbound   inbound sessions through this node's relays at most, in a budget of
 *                            their own (they all come from a relay's address, so neither the inbound
 *                            budget nor the subnet caps can tell them apart); beyond it the youngest
 *                            out of its grace period is trimmed, or the newcomer refused
 */
public record ConnectionLimits(int maxInbound, int inboundLowWater, int maxInboundPerSubnet, Duration gracePeriod,
                               int maxRelayedInbound) {

    public static final int DEFAULT_MAX_INBOUND = 40;
    public static final int DEFAULT_INBOUND_LOW_WATER = 32;
    public static final int DEFAULT_MAX_INBOUND_PER_SUBNET = 16;
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(20);
    /** One relay's worth: a relay admits 16 circuits to one reserved node by default. */
    public static final int DEFAULT_MAX_RELAYED_INBOUND = 16;

    public ConnectionLimits {
        if (maxInbound < 0 || maxInbound > 100_000) {
            throw new IllegalArgumentException("maxInbound: " + maxInbound + " (expected: 0-100000)");
        }
        if (inboundLowWater < 0 || inboundLowWater > maxInbound) {
            throw new IllegalArgumentException("inboundLowWater: " + inboundLowWater
                    + " (expected: 0-" + maxInbound + ", at most maxInbound)");
        }
        if (maxInboundPerSubnet < 1) {
            throw new IllegalArgumentException("maxInboundPerSubnet: " + maxInboundPerSubnet + " (expected: > 0)");
        }
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("gracePeriod: " + gracePeriod + " (expected: >= 0)");
        }
        if (maxRelayedInbound < 0 || maxRelayedInbound > 100_000) {
            throw new IllegalArgumentException("maxRelayedInbound: " + maxRelayedInbound + " (expected: 0-100000)");
        }
    }

    /** The default budget of relayed inbound sessions. */
    public ConnectionLimits(int maxInbound, int inboundLowWater, int maxInboundPerSubnet, Duration gracePeriod) {
        this(maxInbound, inboundLowWater, maxInboundPerSubnet, gracePeriod, DEFAULT_MAX_RELAYED_INBOUND);
    }

    public static ConnectionLimits defaults() {
        return new ConnectionLimits(DEFAULT_MAX_INBOUND, DEFAULT_INBOUND_LOW_WATER, DEFAULT_MAX_INBOUND_PER_SUBNET,
                DEFAULT_GRACE_PERIOD, DEFAULT_MAX_RELAYED_INBOUND);
    }

    /** Inbound high and low water marks. */
    public ConnectionLimits withInbound(int max, int lowWater) {
        return new ConnectionLimits(max, lowWater, maxInboundPerSubnet, gracePeriod, maxRelayedInbound);
    }

    public ConnectionLimits withMaxInboundPerSubnet(int v) {
        return new ConnectionLimits(maxInbound, inboundLowWater, v, gracePeriod, maxRelayedInbound);
    }

    public ConnectionLimits withGracePeriod(Duration d) {
        return new ConnectionLimits(maxInbound, inboundLowWater, maxInboundPerSubnet, d, maxRelayedInbound);
    }

    public ConnectionLimits withMaxRelayedInbound(int v) {
        return new ConnectionLimits(maxInbound, inboundLowWater, maxInboundPerSubnet, gracePeriod, v);
    }
}
