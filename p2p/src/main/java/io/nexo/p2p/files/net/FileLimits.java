package io.nexo.p2p.files.net;

import java.time.Duration;
import java.util.Objects;

/**
 * What one peer may make this node's file exchange hold or do, each with a {@code nexo peer} flag
 * (named in the validation messages), a counter ({@link FileLimitCounters}) and a rate-limited log
 * line when it triggers. See docs/security.md ("File exchange under attack").
 *
 * @param controlBytesPerSecond  sustained bytes of {@code files/1} control messages (everything but
 *                               blocks) accepted from one peer; more are dropped unanswered
 * @param controlBurstBytes      control bytes a peer may send at once above the sustained rate (at
 *                               least one largest frame, so a full {@code Catalog} gets through)
 * @param maxQueuedReplies       answers (manifests, bitmaps, refusals, catalogs) written to one peer
 *                               and not yet taken by its socket; a request beyond is dropped unanswered
 * @param maxQueuedReplyBytes    bytes of such answers queued for one peer; a request beyond is dropped
 * @param maxOffersPerPeer       catalog records (a holder offering a file) learned through one peer
 *                               (the sender of a {@code Catalog}, the origin of an announcement)
 * @param maxOffers              catalog records in all
 * @param maxUnrequestedBlocks   blocks a peer may send for chunks this node did not ask it for before
 *                               its session is closed (each is dropped and counted)
 * @param uploadTimeout          a peer that takes no data of its uploads for this long loses their
 *                               slots and its session (it is not reading); a slow reader keeps them
 */
public record FileLimits(long controlBytesPerSecond, long controlBurstBytes, int maxQueuedReplies,
                         long maxQueuedReplyBytes, int maxOffersPerPeer, int maxOffers, int maxUnrequestedBlocks,
                         Duration uploadTimeout) {

    public static final long DEFAULT_CONTROL_BYTES_PER_SECOND = 256L << 10;
    public static final long DEFAULT_CONTROL_BURST_BYTES = 2L << 20;
    public static final int DEFAULT_MAX_QUEUED_REPLIES = 32;
    public static final long DEFAULT_MAX_QUEUED_REPLY_BYTES = 2L << 20;
    public static final int DEFAULT_MAX_OFFERS_PER_PEER = 4096;
    public static final int DEFAULT_MAX_OFFERS = 65_536;
    public static final int DEFAULT_MAX_UNREQUESTED_BLOCKS = 16;
    public static final Duration DEFAULT_UPLOAD_TIMEOUT = Duration.ofSeconds(30);

    public static final FileLimits DEFAULTS = new FileLimits(DEFAULT_CONTROL_BYTES_PER_SECOND,
            DEFAULT_CONTROL_BURST_BYTES, DEFAULT_MAX_QUEUED_REPLIES, DEFAULT_MAX_QUEUED_REPLY_BYTES,
            DEFAULT_MAX_OFFERS_PER_PEER, DEFAULT_MAX_OFFERS, DEFAULT_MAX_UNREQUESTED_BLOCKS, DEFAULT_UPLOAD_TIMEOUT);

    public FileLimits {
        atLeast("files-control-rate", controlBytesPerSecond, 1024, "bytes/s");
        atLeast("files-control-burst", controlBurstBytes, 64 << 10, "bytes");
        atLeast("files-max-queued-replies", maxQueuedReplies, 1, "");
        atLeast("files-max-queued-reply-bytes", maxQueuedReplyBytes, 64 << 10, "bytes");
        atLeast("files-max-offers-per-peer", maxOffersPerPeer, 1, "");
        if (maxOffers < maxOffersPerPeer) {
            throw new IllegalArgumentException("files-max-offers: " + maxOffers + " (expected: >= files-max-offers-per-peer "
                    + maxOffersPerPeer + ")");
        }
        atLeast("files-max-unrequested-blocks", maxUnrequestedBlocks, 0, "");
        Objects.requireNonNull(uploadTimeout, "upload-timeout");
        if (uploadTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("upload-timeout: " + uploadTimeout.toMillis() + " ms (expected: >= 1 s)");
        }
    }

    public FileLimits withControlRate(long bytesPerSecond, long burstBytes) {
        return new FileLimits(bytesPerSecond, burstBytes, maxQueuedReplies, maxQueuedReplyBytes, maxOffersPerPeer,
                maxOffers, maxUnrequestedBlocks, uploadTimeout);
    }

    public FileLimits withQueuedReplies(int replies, long bytes) {
        return new FileLimits(controlBytesPerSecond, controlBurstBytes, replies, bytes, maxOffersPerPeer,
                maxOffers, maxUnrequestedBlocks, uploadTimeout);
    }

    public FileLimits withOffers(int perPeer, int total) {
        return new FileLimits(controlBytesPerSecond, controlBurstBytes, maxQueuedReplies, maxQueuedReplyBytes,
                perPeer, total, maxUnrequestedBlocks, uploadTimeout);
    }

    public FileLimits withMaxUnrequestedBlocks(int blocks) {
        return new FileLimits(controlBytesPerSecond, controlBurstBytes, maxQueuedReplies, maxQueuedReplyBytes,
                maxOffersPerPeer, maxOffers, blocks, uploadTimeout);
    }

    public FileLimits withUploadTimeout(Duration timeout) {
        return new FileLimits(controlBytesPerSecond, controlBurstBytes, maxQueuedReplies, maxQueuedReplyBytes,
                maxOffersPerPeer, maxOffers, maxUnrequestedBlocks, timeout);
    }

    private static void atLeast(String name, long value, long min, String unit) {
        if (value < min) {
            throw new IllegalArgumentException(name + ": " + value + (unit.isEmpty() ? "" : " " + unit)
                    + " (expected: >= " + min + ")");
        }
    }
}
