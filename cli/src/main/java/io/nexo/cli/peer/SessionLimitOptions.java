package io.nexo.cli.peer;

import io.nexo.cli.UsageException;
import io.nexo.p2p.resource.ResourceLimits;
import io.nexo.p2p.session.SessionLimits;
import picocli.CommandLine.Option;

import java.time.Duration;

import static io.nexo.cli.peer.FlagChecks.atLeast;
import static io.nexo.cli.peer.FlagChecks.positive;

/**
 * The flags of {@code nexo peer} that bound what one peer, and all of them, may send and make the
 * node hold: frame size, rates, queues, pending work (the resource manager's scopes), handshake time.
 */
public final class SessionLimitOptions {

    @Option(names = "--max-message-size", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Largest frame accepted or sent; a bigger one received closes that connection, "
                    + "a broadcast that would outgrow it is refused (default: ${DEFAULT-VALUE}).")
    int maxMessageSize;

    @Option(names = "--rate-limit", paramLabel = "MSGS", defaultValue = "500",
            description = "Messages per second accepted from one peer; the excess is dropped and logged (default: ${DEFAULT-VALUE}).")
    int rateLimit;

    @Option(names = "--max-outbound-queue", paramLabel = "BYTES", defaultValue = "8388608",
            description = "Bytes queued to one peer before it is dropped as not reading (default: ${DEFAULT-VALUE}).")
    long maxOutboundQueue;

    @Option(names = "--byte-rate", paramLabel = "BYTES", defaultValue = "8388608",
            description = "Bytes per second accepted from one peer for each protocol (gossip, direct, exchange, app); "
                    + "the excess is dropped, a peer that keeps over it is disconnected (default: ${DEFAULT-VALUE}).")
    long byteRate;

    @Option(names = "--max-node-outbound", paramLabel = "BYTES", defaultValue = "268435456",
            description = "Bytes queued to all peers together; over it, messages are not sent (default: ${DEFAULT-VALUE}).")
    long maxNodeOutbound;

    @Option(names = "--max-pending", paramLabel = "BYTES", defaultValue = "134217728",
            description = "Bytes of received messages waiting to be handled, from all peers; over it, "
                    + "messages are dropped (default: ${DEFAULT-VALUE}).")
    long maxPending;

    @Option(names = "--max-peer-pending", paramLabel = "BYTES", defaultValue = "16777216",
            description = "Of those, from one peer (default: ${DEFAULT-VALUE}).")
    long maxPeerPending;

    @Option(names = "--max-protocol-pending", paramLabel = "BYTES", defaultValue = "100663296",
            description = "Of those, for one protocol: gossip, direct, exchange, files, app (default: ${DEFAULT-VALUE}).")
    long maxProtocolPending;

    @Option(names = "--max-peer-pending-requests", paramLabel = "N", defaultValue = "4096",
            description = "Received messages from one peer waiting to be handled, whatever their size "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxPeerPendingRequests;

    @Option(names = "--max-conns-per-ip", paramLabel = "N", defaultValue = "16",
            description = "Inbound connections from one IP address (default: ${DEFAULT-VALUE}).")
    int maxConnsPerIp;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "TLS and hello must finish within this, e.g. 10s or 500ms (default: ${DEFAULT-VALUE}).")
    Duration handshakeTimeout;

    /** The session limits and the resource manager's scopes from the flags; a bad value names the flag. */
    SessionLimits limits() {
        return SessionLimits.defaults()
                .withMaxFrameBytes(maxMessageSize)
                .withMaxOutboundQueueBytes(maxOutboundQueue)
                .withRate(rateLimit, Math.max(rateLimit * 2, 1))
                .withHandshakeTimeout(positive("--handshake-timeout", handshakeTimeout))
                .withByteRate(atLeast("--byte-rate", byteRate, 1024))
                .withResources(resourceLimits());
    }

    private ResourceLimits resourceLimits() {
        long mib = 1 << 20;
        atLeast("--max-node-outbound", maxNodeOutbound, mib);
        atLeast("--max-pending", maxPending, mib);
        atLeast("--max-peer-pending", maxPeerPending, mib);
        atLeast("--max-protocol-pending", maxProtocolPending, mib);
        atLeast("--max-peer-pending-requests", maxPeerPendingRequests, 16);
        if (maxPeerPending > maxPending) {
            throw new UsageException("--max-peer-pending: " + maxPeerPending + " (expected: <= --max-pending "
                    + maxPending + ")");
        }
        return new ResourceLimits(maxNodeOutbound, maxPending, maxPeerPending, maxProtocolPending,
                maxPeerPendingRequests);
    }
}
