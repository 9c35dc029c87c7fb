package io.nexo.cli.peer;

import io.nexo.cli.UsageException;
import io.nexo.p2p.files.net.FileExchangeConfig;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.nexo.cli.peer.FlagChecks.positive;

/** The flags of {@code nexo peer} for file exchange: what to share, where downloads go, upload slots and rate. */
public final class FileOptions {

    @Option(names = "--share", paramLabel = "PATH",
            description = "Share this file, or every file in this folder, at start (repeatable).")
    List<Path> share = new ArrayList<>();

    @Option(names = "--downloads", paramLabel = "DIR",
            description = "Where /get puts finished files (default: DATA-DIR/downloads).")
    Path downloads;

    @Option(names = "--max-uploads", paramLabel = "N", defaultValue = "16",
            description = "Chunks sent at once to all peers; further requests are answered busy (default: ${DEFAULT-VALUE}).")
    int maxUploads;

    @Option(names = "--max-uploads-per-peer", paramLabel = "N", defaultValue = "4",
            description = "Chunks sent at once to one peer (default: ${DEFAULT-VALUE}).")
    int maxUploadsPerPeer;

    @Option(names = "--upload-rate", paramLabel = "BYTES", defaultValue = "0",
            description = "Cap on upload bytes per second over all peers, 0 for none (default: ${DEFAULT-VALUE}).")
    long uploadRate;

    /**
     * File exchange settings from the flags. Unfinished downloads keep their state in the data dir
     * (DATA-DIR/transfers).
     */
    FileExchangeConfig config(Path dataDir, FileLimitOptions fileLimits) {
        positive("--max-uploads", maxUploads);
        if (maxUploadsPerPeer <= 0 || maxUploadsPerPeer > maxUploads) {
            throw new UsageException("--max-uploads-per-peer: " + maxUploadsPerPeer + " (expected: 1-" + maxUploads + ")");
        }
        if (uploadRate < 0) {
            throw new UsageException("--upload-rate: " + uploadRate + " (expected: >= 0, 0 = no cap)");
        }
        for (Path p : share) {
            if (!Files.exists(p)) {
                throw new UsageException("--share: " + p + " does not exist");
            }
        }
        return FileExchangeConfig.defaults(dataDir)
                .withDownloadsDir(downloads != null ? downloads : dataDir.resolve("downloads"))
                .withUploads(maxUploads, maxUploadsPerPeer)
                .withUploadRate(uploadRate)
                .withLimits(fileLimits.limits());
    }
}
