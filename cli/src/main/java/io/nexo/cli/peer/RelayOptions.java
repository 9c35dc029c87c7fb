package io.nexo.cli.peer;

import io.nexo.cli.UsageException;
import io.nexo.p2p.relay.RelayConfig;
import io.nexo.p2p.relay.RelayLimits;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Map;

/** The flags of {@code nexo peer} for NAT traversal: serving relay, its limits, reserving on relays, hole punching. */
public final class RelayOptions {

    @Option(names = "--relay", paramLabel = "on|off", defaultValue = "on",
            description = "Relay for peers that cannot be dialled (behind NAT), within the relay limits (default: ${DEFAULT-VALUE}).")
    String relay;

    @Option(names = "--relay-reservations", paramLabel = "auto|N", defaultValue = "auto",
            description = "Relays to hold a reservation on, among the peers this node dialled, 0-"
                    + RelayConfig.MAX_RESERVE_ON + "; auto: one while the node finds itself behind NAT. Reachable"
                    + " then as PEERID@relay:HOST:PORT (default: ${DEFAULT-VALUE}).")
    String reservations;

    @Option(names = "--hole-punch", paramLabel = "on|off", defaultValue = "on",
            description = "Replace a relayed session with a direct connection by hole punching, offering the"
                    + " addresses peers observed this node at (default: ${DEFAULT-VALUE}).")
    String holePunch;

    @Option(names = "--relay-max-reservations", paramLabel = "N", defaultValue = "" + RelayLimits.DEFAULT_MAX_RESERVATIONS,
            description = "Peers holding a reservation on this relay at once (default: ${DEFAULT-VALUE}).")
    int maxReservations;

    @Option(names = "--relay-reservation-ttl", paramLabel = "DURATION", defaultValue = "1h",
            description = "How long a reservation lasts unless renewed (default: ${DEFAULT-VALUE}).")
    Duration reservationTtl;

    @Option(names = "--relay-max-circuits", paramLabel = "N", defaultValue = "" + RelayLimits.DEFAULT_MAX_CIRCUITS,
            description = "Relayed connections open at once, in total (default: ${DEFAULT-VALUE}).")
    int maxCircuits;

    @Option(names = "--relay-max-circuits-per-peer", paramLabel = "N",
            defaultValue = "" + RelayLimits.DEFAULT_MAX_CIRCUITS_PER_PEER,
            description = "Relayed connections open at once to one reserved peer (default: ${DEFAULT-VALUE}).")
    int maxCircuitsPerPeer;

    @Option(names = "--relay-max-circuits-per-ip", paramLabel = "N",
            defaultValue = "" + RelayLimits.DEFAULT_MAX_CIRCUITS_PER_IP,
            description = "Relayed connections open at once from one dialling IP address (default: ${DEFAULT-VALUE}).")
    int maxCircuitsPerIp;

    @Option(names = "--relay-circuit-bytes", paramLabel = "BYTES", defaultValue = "" + RelayLimits.DEFAULT_MAX_CIRCUIT_BYTES,
            description = "Bytes one relayed connection may carry, both ways together, before it is closed"
                    + " (default: ${DEFAULT-VALUE}).")
    long circuitBytes;

    @Option(names = "--relay-circuit-duration", paramLabel = "DURATION", defaultValue = "30m",
            description = "How long one relayed connection may stay open (default: ${DEFAULT-VALUE}).")
    Duration circuitDuration;

    private static final Map<String, String> FLAGS = Map.of(
            "reservationTtl", "--relay-reservation-ttl", "maxReservations", "--relay-max-reservations",
            "maxCircuitsPerPeer", "--relay-max-circuits-per-peer", "maxCircuitsPerIp", "--relay-max-circuits-per-ip",
            "maxCircuits", "--relay-max-circuits", "maxCircuitBytes", "--relay-circuit-bytes",
            "maxCircuitDuration", "--relay-circuit-duration", "reserveOn", "--relay-reservations");

    private static boolean onOff(String flag, String value) {
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException(flag + ": '" + value + "' (expected: on or off)");
        };
    }

    /** The relay configuration the flags give; a bad value names its flag. */
    RelayConfig config() {
        boolean serve = onOff("--relay", relay);
        boolean punch = onOff("--hole-punch", holePunch);
        int reserveOn;
        try {
            reserveOn = reservations.equals("auto") ? RelayConfig.AUTO : Integer.parseInt(reservations);
        } catch (NumberFormatException e) {
            throw new UsageException("--relay-reservations: '" + reservations + "' (expected: auto or 0-"
                    + RelayConfig.MAX_RESERVE_ON + ")");
        }
        try {
            return new RelayConfig(serve, reserveOn, new RelayLimits(reservationTtl, maxReservations, maxCircuits,
                    maxCircuitsPerPeer, maxCircuitsPerIp, circuitBytes, circuitDuration, RelayLimits.DEFAULT_TOKEN_TTL),
                    punch);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            int colon = m.indexOf(':');
            String flag = colon > 0 ? FLAGS.get(m.substring(0, colon)) : null;
            throw new UsageException(flag != null ? flag + m.substring(colon) : m);
        }
    }
}
