package io.nexo.p2p.files;

import java.nio.file.Path;

/** What a {@link DownloadSession} reports. Called outside its lock, on the thread that caused it. */
public interface DownloadListener {

    /** A chunk was verified and stored: this node can now serve it. */
    default void onChunkStored(FileId id, int chunk) {
    }

    default void onProgress(DownloadProgress progress) {
    }

    /** The file was verified whole and renamed to {@code path}. */
    default void onComplete(FileId id, Path path) {
    }

    /** The download stopped (disk full, I/O error); its partial state is kept. */
    default void onFailed(FileId id, Exception cause) {
    }
}
