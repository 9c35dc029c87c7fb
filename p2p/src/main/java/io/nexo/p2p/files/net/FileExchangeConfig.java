package io.nexo.p2p.files.net;

import io.nexo.p2p.files.SchedulerConfig;
import io.nexo.p2p.files.UploadSlots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a node's file exchange.
 *
 * @param downloadsDir      where finished downloads go unless {@code /get} names a destination
 * @param stateDir          where unfinished downloads keep their state (under the data dir)
 * @param maxUploads        chunks being sent at once, over all peers
 * @param maxUploadsPerPeer chunks being sent at once to one peer
 * @param scheduler         how downloads spread requests over peers
 * @param announceInterval  how often this node re-announces its offers; others forget an offer
 *                          not re-announced within three intervals
 * @param manifestTimeout   how long to wait for a holder's manifest before asking another
 * @param uploadBytesPerSecond cap on this node's upload rate over all peers; 0 = no cap
 * @param limits            what one peer may make the exchange hold or do
 */
public record FileExchangeConfig(Path downloadsDir, Path stateDir, int maxUploads, int maxUploadsPerPeer,
                                 SchedulerConfig scheduler, Duration announceInterval, Duration manifestTimeout,
                                 long uploadBytesPerSecond, FileLimits limits) {

    public static final Duration DEFAULT_ANNOUNCE_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MANIFEST_TIMEOUT = Duration.ofSeconds(10);

    public FileExchangeConfig {
        Objects.requireNonNull(downloadsDir, "downloadsDir");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(limits, "limits");
        // validated by the same rules UploadSlots applies
        new UploadSlots<>(maxUploads, maxUploadsPerPeer);
        positive("announce interval", announceInterval);
        positive("manifest timeout", manifestTimeout);
        if (uploadBytesPerSecond < 0) {
            throw new IllegalArgumentException("upload rate: " + uploadBytesPerSecond + " bytes/s (expected: >= 0, 0 = no cap)");
        }
    }

    /** Defaults: downloads in {@code dataDir/downloads}, state in {@code dataDir/transfers}. */
    public static FileExchangeConfig defaults(Path dataDir) {
        return new FileExchangeConfig(dataDir.resolve("downloads"), dataDir.resolve("transfers"),
                UploadSlots.DEFAULT_MAX_TOTAL, UploadSlots.DEFAULT_MAX_PER_PEER, SchedulerConfig.DEFAULTS,
                DEFAULT_ANNOUNCE_INTERVAL, DEFAULT_MANIFEST_TIMEOUT, 0, FileLimits.DEFAULTS);
    }

    public FileExchangeConfig withDownloadsDir(Path dir) {
        return new FileExchangeConfig(dir, stateDir, maxUploads, maxUploadsPerPeer, scheduler, announceInterval,
                manifestTimeout, uploadBytesPerSecond, limits);
    }

    public FileExchangeConfig withUploads(int total, int perPeer) {
        return new FileExchangeConfig(downloadsDir, stateDir, total, perPeer, scheduler, announceInterval,
                manifestTimeout, uploadBytesPerSecond, limits);
    }

    public FileExchangeConfig withScheduler(SchedulerConfig s) {
        return new FileExchangeConfig(downloadsDir, stateDir, maxUploads, maxUploadsPerPeer, s, announceInterval,
                manifestTimeout, uploadBytesPerSecond, limits);
    }

    public FileExchangeConfig withAnnounceInterval(Duration d) {
        return new FileExchangeConfig(downloadsDir, stateDir, maxUploads, maxUploadsPerPeer, scheduler, d,
                manifestTimeout, uploadBytesPerSecond, limits);
    }

    public FileExchangeConfig withUploadRate(long bytesPerSecond) {
        return new FileExchangeConfig(downloadsDir, stateDir, maxUploads, maxUploadsPerPeer, scheduler, announceInterval,
                manifestTimeout, bytesPerSecond, limits);
    }

    public FileExchangeConfig withLimits(FileLimits l) {
        return new FileExchangeConfig(downloadsDir, stateDir, maxUploads, maxUploadsPerPeer, scheduler, announceInterval,
                manifestTimeout, uploadBytesPerSecond, l);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
