package io.nexo.p2p.session;

import io.nexo.p2p.resource.ResourceLimits;

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
 * @param bytesPerSecond       sustained envelope bytes accepted from one peer for each protocol (gossip,
 *                             direct, exchange, app), with a burst of this or two frames, whichever is
 *                             larger; excess dropped like messages over the message rate
 * @param resources            what the node, each peer and each protocol may hold at once (resource manager)
 */
public record SessionLimits(int maxFrameBytes, int messagesPerSecond, int messageBurst,
                            long maxOutboundQueueBytes, Duration handshakeTimeout,
                            Duration pingInterval, Duration idleTimeout, long bytesPerSecond,
                            ResourceLimits resources) {

    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
    public static final int DEFAULT_MESSAGES_PER_SECOND = 500;
    public static final long DEFAULT_MAX_OUTBOUND_QUEUE_BYTES = 8L << 20;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(15);
    /** 8 MiB/s per protocol: eight maximum-size broadcasts a second from one neighbour. */
    public static final long DEFAULT_BYTES_PER_SECOND = 8L << 20;

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
        Objects.requireNonNull(resources, "resources");
        if (bytesPerSecond < 1024) {
            throw new IllegalArgumentException("bytesPerSecond: " + bytesPerSecond + " (expected: >= 1024)");
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
                DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_PING_INTERVAL, DEFAULT_PING_INTERVAL.multipliedBy(3),
                DEFAULT_BYTES_PER_SECOND, ResourceLimits.defaults());
    }

    /** Bytes a peer may send at once per protocol: the rate, or two maximum frames if that is more. */
    public long byteBurst() {
        return Math.max(bytesPerSecond, 2L * maxFrameBytes);
    }

    public SessionLimits withMaxFrameBytes(int v) {
        return new SessionLimits(v, messagesPerSecond, messageBurst, Math.max(maxOutboundQueueBytes, v),
                handshakeTimeout, pingInterval, idleTimeout, bytesPerSecond, resources);
    }

    public SessionLimits withRate(int perSecond, int burst) {
        return new SessionLimits(maxFrameBytes, perSecond, burst, maxOutboundQueueBytes,
                handshakeTimeout, pingInterval, idleTimeout, bytesPerSecond, resources);
    }

    public SessionLimits withByteRate(long v) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, maxOutboundQueueBytes,
                handshakeTimeout, pingInterval, idleTimeout, v, resources);
    }

    public SessionLimits withResources(ResourceLimits v) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, maxOutboundQueueBytes,
                handshakeTimeout, pingInterval, idleTimeout, bytesPerSecond, v);
    }

    public SessionLimits withMaxOutboundQueueBytes(long v) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, v,
                handshakeTimeout, pingInterval, idleTimeout, bytesPerSecond, resources);
    }

    public SessionLimits withHandshakeTimeout(Duration v) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, maxOutboundQueueBytes,
                v, pingInterval, idleTimeout, bytesPerSecond, resources);
    }

    public SessionLimits withPing(Duration interval, Duration idle) {
        return new SessionLimits(maxFrameBytes, messagesPerSecond, messageBurst, maxOutboundQueueBytes,
                handshakeTimeout, interval, idle, bytesPerSecond, resources);
    }
}
