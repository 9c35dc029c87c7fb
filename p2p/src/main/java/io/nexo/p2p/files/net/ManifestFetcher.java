package io.nexo.p2p.files.net;

import io.nexo.core.text.Printable;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the manifest of a file before its download starts: asks one holder after another until
 * one answers with a manifest that matches the file id and carries the name the holder offered,
 * within a timeout per holder. Only the holder asked may answer or refuse.
 */
final class ManifestFetcher {

    private static final Logger log = LoggerFactory.getLogger(ManifestFetcher.class);

    private final FileSessions sessions;
    private final FileCatalog<PeerId> catalog;
    private final Duration timeout;
    private final Map<FileId, Pending> pending = new ConcurrentHashMap<>();

    /** A GetManifest in flight: only {@code asked} may answer or refuse it. */
    private record Pending(PeerId asked, CompletableFuture<FileManifest> reply) {
    }

    ManifestFetcher(FileSessions sessions, FileCatalog<PeerId> catalog, Duration timeout) {
        this.sessions = sessions;
        this.catalog = catalog;
        this.timeout = timeout;
    }

    /** The verified manifest of {@code id} named {@code offeredName}, from the first of {@code holders} that answers. */
    CompletableFuture<FileManifest> fetch(FileId id, String offeredName, List<FileCatalog.Holder<PeerId>> holders) {
        return fetch(id, offeredName, holders, 0);
    }

    private CompletableFuture<FileManifest> fetch(FileId id, String offeredName, List<FileCatalog.Holder<PeerId>> holders,
                                                  int next) {
        if (next >= holders.size()) {
            return CompletableFuture.failedFuture(new IOException("no holder of " + id.shortForm()
                    + " answered with its manifest"));
        }
        FileCatalog.Holder<PeerId> h = holders.get(next);
        return sessions.session(h.peer(), h.addrs()).thenCompose(s -> {
            Pending p = pending.computeIfAbsent(id, k -> new Pending(h.peer(), new CompletableFuture<>()));
            sessions.send(s, FileMessages.getManifest(id));
            return p.reply().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }).thenApply(manifest -> {
            // the id covers the content only: the name must be the one the holder offered (and signed)
            if (!manifest.name().equals(offeredName)) {
                throw new CompletionException(new IOException("its manifest names the file '"
                        + Printable.escape(manifest.name(), 80) + "', not '" + Printable.escape(offeredName, 80) + "'"));
            }
            return manifest;
        }).handle((reply, err) -> {
            pending.remove(id);
            if (err == null) {
                return CompletableFuture.completedFuture(reply);
            }
            log.info("Manifest of {} from {}: {}; trying the next holder", id.shortForm(), h.peer().shortId(),
                    err.getMessage());
            return fetch(id, offeredName, holders, next + 1);
        }).thenCompose(f -> f);
    }

    /** A {@code Manifest} answer: checked against its id, it completes the pending fetch. */
    void onManifest(PeerId from, Manifest msg) {
        FileId id = FileMessages.fileId(msg.getId());
        CompletableFuture<FileManifest> waiting = askedFor(id, from);
        if (waiting == null) {
            log.debug("Ignoring a manifest of {} from {}: not asked for it", id.shortForm(), from.shortId());
            return;
        }
        FileManifest manifest;
        try {
            manifest = FileManifest.received(id, msg.getName(), msg.getSize(), msg.getChunkSize(),
                    msg.getChunkHashes().toByteArray());
        } catch (IllegalArgumentException e) {
            log.warn("Peer {} sent a bad manifest for {}: {}", from.shortId(), id.shortForm(), e.getMessage());
            waiting.completeExceptionally(e);
            return;
        }
        waiting.complete(manifest);
    }

    /** The pending request of {@code id} if it went to {@code from}; null otherwise. */
    private CompletableFuture<FileManifest> askedFor(FileId id, PeerId from) {
        Pending p = pending.get(id);
        return p != null && p.asked().equals(from) ? p.reply() : null;
    }

    /** A refused manifest request: the holder no longer offers the file (a refusal it was not asked for is ignored, but still withdraws its own offer). */
    void onRefused(PeerId from, FileId id) {
        CompletableFuture<FileManifest> waiting = askedFor(id, from);
        if (waiting != null) {
            waiting.completeExceptionally(new IOException("peer " + from.shortId() + " no longer offers it"));
        }
        catalog.withdraw(from, id);
    }
}
