package io.nexo.p2p.files;

import java.util.Map;

/**
 * A snapshot of one download, for progress bars and {@code file-progress} events.
 *
 * @param bytesPerSecond rate over the last few seconds
 * @param etaSeconds     time left at that rate, -1 when unknown
 * @param peers          peers currently serving this download
 * @param chunksByPeer   chunks received from each peer since the download (re)started
 */
public record DownloadProgress(FileId id, String name, long size, long bytesDone, int chunksDone, int chunkCount,
                               double bytesPerSecond, long etaSeconds, int peers, Map<String, Long> chunksByPeer,
                               DownloadSession.State state) {

    /** Percent done, 0-100. */
    public double percent() {
        return size == 0 ? 100.0 : bytesDone * 100.0 / size;
    }
}
