package io.nexo.cli.peer;

import io.nexo.cli.UsageException;
import io.nexo.p2p.files.net.FileLimits;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The flags of {@code nexo peer} that bound what one peer may make the file exchange hold or do. */
public final class FileLimitOptions {

    @Option(names = "--files-control-rate", paramLabel = "BYTES", defaultValue = "262144",
            description = "File exchange requests accepted from one peer, bytes per second; more are dropped"
                    + " (default: ${DEFAULT-VALUE}).")
    long controlRate;

    @Option(names = "--files-control-burst", paramLabel = "BYTES", defaultValue = "2097152",
            description = "File exchange request bytes one peer may send at once above that rate"
                    + " (default: ${DEFAULT-VALUE}).")
    long controlBurst;

    @Option(names = "--files-max-queued-replies", paramLabel = "N", defaultValue = "32",
            description = "Answers (manifests, bitmaps, refusals) waiting for one peer to read them; further"
                    + " requests are dropped unanswered (default: ${DEFAULT-VALUE}).")
    int maxQueuedReplies;

    @Option(names = "--files-max-queued-reply-bytes", paramLabel = "BYTES", defaultValue = "2097152",
            description = "Bytes of such answers waiting for one peer (default: ${DEFAULT-VALUE}).")
    long maxQueuedReplyBytes;

    @Option(names = "--files-max-offers-per-peer", paramLabel = "N", defaultValue = "4096",
            description = "Catalog records (a holder offering a file) learned through one peer"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxOffersPerPeer;

    @Option(names = "--files-max-offers", paramLabel = "N", defaultValue = "65536",
            description = "Catalog records in all (default: ${DEFAULT-VALUE}).")
    int maxOffers;

    @Option(names = "--files-max-unrequested-blocks", paramLabel = "N", defaultValue = "16",
            description = "Blocks of chunks not requested from a peer before its session is closed"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxUnrequestedBlocks;

    @Option(names = "--upload-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "A peer that takes no data of its uploads for this long loses their slots and its"
                    + " session, e.g. 30s or 2m (default: ${DEFAULT-VALUE}).")
    Duration uploadTimeout;

    /** The limits the flags give. */
    FileLimits limits() {
        try {
            return new FileLimits(controlRate, controlBurst, maxQueuedReplies, maxQueuedReplyBytes, maxOffersPerPeer,
                    maxOffers, maxUnrequestedBlocks, uploadTimeout);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage());
        }
    }
}
