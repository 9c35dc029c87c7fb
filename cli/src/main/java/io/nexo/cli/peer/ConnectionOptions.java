package io.nexo.cli.peer;

import io.nexo.cli.UsageException;
import io.nexo.p2p.node.ConnectionLimits;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The flags of {@code nexo peer} that say how many peers it keeps and admits: degree and connection manager. */
public final class ConnectionOptions {

    @Option(names = "--target-peers", paramLabel = "N", defaultValue = "6",
            description = "Outbound peers to keep, dialled from the address book (default: ${DEFAULT-VALUE}).")
    int targetPeers;

    @Option(names = "--max-peers", paramLabel = "N", defaultValue = "50",
            description = "Peers in total, inbound and outbound; when full, an outbound or --join peer trims an inbound one (default: ${DEFAULT-VALUE}).")
    int maxPeers;

    @Option(names = "--max-inbound", paramLabel = "N", defaultValue = "" + ConnectionLimits.DEFAULT_MAX_INBOUND,
            description = "Inbound peers at most; beyond it the least useful are trimmed to --inbound-low-water (default: ${DEFAULT-VALUE}).")
    int maxInbound;

    @Option(names = "--inbound-low-water", paramLabel = "N",
            description = "Inbound peers left after a trim (default: 4/5 of --max-inbound).")
    Integer inboundLowWater;

    @Option(names = "--max-inbound-per-subnet", paramLabel = "N", defaultValue = "" + ConnectionLimits.DEFAULT_MAX_INBOUND_PER_SUBNET,
            description = "Inbound connections from one IPv4 /24 or IPv6 /64 (default: ${DEFAULT-VALUE}).")
    int maxInboundPerSubnet;

    @Option(names = "--inbound-grace", paramLabel = "DURATION", defaultValue = "20s",
            description = "A new inbound peer is not trimmed for this long, e.g. 20s (default: ${DEFAULT-VALUE}).")
    Duration inboundGrace;

    @Option(names = "--max-relayed-inbound", paramLabel = "N", defaultValue = "" + ConnectionLimits.DEFAULT_MAX_RELAYED_INBOUND,
            description = "Inbound peers through this node's relays at most, apart from --max-inbound; beyond it the youngest is trimmed (default: ${DEFAULT-VALUE}).")
    int maxRelayedInbound;

    /** The connection manager's flags -> its record; a bad value names the flag. */
    ConnectionLimits limits() {
        try {
            return new ConnectionLimits(maxInbound, inboundLowWater != null ? inboundLowWater
                    : Math.max(0, maxInbound) * 4 / 5, maxInboundPerSubnet, inboundGrace, maxRelayedInbound);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            for (String[] f : new String[][] {{"maxRelayedInbound", "--max-relayed-inbound"},
                    {"maxInboundPerSubnet", "--max-inbound-per-subnet"},
                    {"maxInbound", "--max-inbound"}, {"inboundLowWater", "--inbound-low-water"}}) {
                m = m.replace(f[0] + ":", f[1] + ":").replace("at most " + f[0], "at most " + f[1]);
            }
            throw new UsageException(m);
        }
    }
}
