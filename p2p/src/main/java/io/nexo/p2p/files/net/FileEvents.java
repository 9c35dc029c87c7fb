package io.nexo.p2p.files.net;

import io.nexo.p2p.files.DownloadProgress;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.SharedFile;
import java.nio.file.Path;

/** What file exchange tells the console (or a test). Called from nexo's threads: do not block. */
public interface FileEvents {

    FileEvents NONE = new FileEvents() {
    };

    /** A file is shared (after hashing). */
    default void onShared(SharedFile file) {
    }

    /** A download moved on; called about once a second per running download. */
    default void onProgress(DownloadProgress progress) {
    }

    /** A download finished and was verified: it is at {@code path}. */
    default void onComplete(FileId id, String name, Path path) {
    }

    /** A download stopped; its partial state is kept unless it was cancelled. */
    default void onFailed(FileId id, String name, String reason) {
    }
}
