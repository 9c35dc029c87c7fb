package io.nexo.p2p.files.net;

import io.nexo.p2p.files.FileCatalog;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.proto.Manifest;
import io.nexo.p2p.identity.PeerId;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the manifest of a file before its download starts: asks one holder after another until
 * one answers with a manifest that matches the file id, within a timeout per holder.
 */
final class ManifestFetcher {

    private static final Logger log = LoggerFactory.getLogger(ManifestFetcher.class);

    private final FileSessions sessions;
    private final FileCatalog<PeerId> catalog;
    private final Duration timeout;
    private final Map<FileId, CompletableFuture<FileManifest>> pending = new ConcurrentHashMap<>();

    ManifestFetcher(FileSessions sessions, FileCatalog<PeerId> catalog, Duration timeout) {
        this.sessions = sessions;
        this.catalog = catalog;
        this.timeout = timeout;
    }

    /** The verified manifest of {@code id}, from the first of {@code holders} that answers. */
    CompletableFuture<FileManifest> fetch(FileId id, List<FileCatalog.Holder<PeerId>> holders) {
        return fetch(id, holders, 0);
    }

    private CompletableFuture<FileManifest> fetch(FileId id, List<FileCatalog.Holder<PeerId>> holders, int next) {
        if (next >= holders.size()) {
            return CompletableFuture.failedFuture(new IOException("no holder of " + id.shortForm()
                    + " answered with its manifest"));
        }
        FileCatalog.Holder<PeerId> h = holders.get(next);
        return sessions.session(h.peer(), h.addrs()).thenCompose(s -> {
            CompletableFuture<FileManifest> reply = pending.computeIfAbsent(id, k -> new CompletableFuture<>());
            sessions.send(s, FileMessages.getManifest(id));
            return reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }).handle((reply, err) -> {
            pending.remove(id);
            if (err == null) {
                return CompletableFuture.completedFuture(reply);
            }
            log.info("Manifest of {} from {}: {}; trying the next holder", id.shortForm(), h.peer().shortId(),
                    err.getMessage());
            return fetch(id, holders, next + 1);
        }).thenCompose(f -> f);
    }

    /** A {@code Manifest} answer: checked against its id, it completes the pending fetch. */
    void onManifest(PeerId from, Manifest msg) {
        FileId id = FileMessages.fileId(msg.getId());
        CompletableFuture<FileManifest> waiting = pending.get(id);
        FileManifest manifest;
        try {
            manifest = FileManifest.received(id, msg.getName(), msg.getSize(), msg.getChunkSize(),
                    msg.getChunkHashes().toByteArray());
        } catch (IllegalArgumentException e) {
            log.warn("Peer {} sent a bad manifest for {}: {}", from.shortId(), id.shortForm(), e.getMessage());
            if (waiting != null) {
                waiting.completeExceptionally(e);
            }
            return;
        }
        if (waiting != null) {
            waiting.complete(manifest);
        }
    }

    /** A refused manifest request: the holder no longer offers the file. */
    void onRefused(PeerId from, FileId id) {
        CompletableFuture<FileManifest> waiting = pending.get(id);
        if (waiting != null) {
            waiting.completeExceptionally(new IOException("peer " + from.shortId() + " no longer offers it"));
        }
        catalog.withdraw(from, id);
    }
}
