package io.nexo.p2p.session;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-connection limits, each with a flag of {@code nexo peer} and a log line when it triggers.
 *
 * @param maxFrameBytes        largest frame accepted or sent (kind byte plus body); bigger: connection closed
 * @param messagesPerSecond    sustained gossip/direct/app messages accepted from one peer; excess dropped
 * @param messageBurst         messages a peer may send at once above the sustained rate
 * @param maxOutboundQueueBytes bytes queued towards one peer before it is dropped as not reading
 * @param handshakeTimeout     TLS plus hello exchange must finish within this
 * @param pingInterval         a ping is sent after this much outbound silence
 * @param idleTimeout          a session with no inbound traffic for this long is closed
 */
public record SessionLimits(int maxFrameBytes, int messagesPerSecond, int messageBurst,
                            long maxOutboundQueueBytes, Duration handshakeTimeout,
                            Duration pingInterval, Duration idleTimeout) {

    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    public static final int DEFAULT_MESSAGES_PER_SECOND = 500;
    public static final long DEFAULT_MAX_OUTBOUND_QUEUE_BYTES = 8L << 20;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(15);

    public SessionLimits {
        if (maxFrameBytes < 1024) {
            throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + " (expected: >= 1024)");
        }
        if (messagesPerSecond < 1) {
            throw new IllegalArgumentException("messagesPerSecond: " + messagesPerSecond + " (expected: > 0)");
        }
        if (messageBurst < 1) {
            throw new IllegalArgumentException("messageBurst: " + messageBurst + " (expected: > 0)");
        }
        if (maxOutboundQueueBytes < maxFrameBytes) {
            throw new IllegalArgumentException("maxOutboundQueueBytes: " + maxOutboundQueueBytes
                    + " (expected: >= maxFrameBytes " + maxFrameBytes + ")");
        }
        positive("handshakeTimeout", handshakeTimeout);
        positive("pingInterval", pingInterval);
        positive("idleTimeout", idleTimeout);
        if (idleTimeout.compareTo(pingInterval) <= 0) {
            throw new IllegalArgumentException("idleTimeout: " + idleTimeout
                    + " (expected: > pingInterval " + pingInterval + ")");
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }

    public static SessionLimits defaults() {
        return new SessionLimits(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MESSAGES_PER_SECOND,
                DEFAULT_MESSAGES_PER_SECOND * 2, DEFAULT_MAX_OUTBOUND_QUEUE_BYTES,
                DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_PING_INTERVAL, DEFAULT_PING_INTERVAL.multipliedBy(3));
    }

    public SessionLimits withMaxFrameBytes(int v) {
        return new SessionLimits(v, messagesPerSecond, messageBurst, Math.max(maxOutboundQueueBytes, v),
                handshakeTimeout, pingInterval, idleTimeout);
    }

    public SessionLimits withRate(int perSecond, int burst) {
        return new SessionLimits(maxFrameBytes, perSecond, burst, maxOutboundQueueBytes,
                handshakeTimeout, pingInterval, idleTimeout);
    }

    public SessionLimits withMaxOutboundQueueBytes(long v) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, v,
                handshakeTimeout, pingInterval, idleTimeout);
    }

    public SessionLimits withHandshakeTimeout(Duration v) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, maxOutboundQueueBytes,
                v, pingInterval, idleTimeout);
    }

    public SessionLimits withPing(Duration interval, Duration idle) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, maxOutboundQueueBytes,
                handshakeTimeout, interval, idle);
    }
}
