package io.nexo.p2p.files.net;

import io.nexo.p2p.files.ChannelOpener;
import io.nexo.p2p.files.ChunkRequester;
import io.nexo.p2p.files.DownloadListener;
import io.nexo.p2p.files.DownloadProgress;
import io.nexo.p2p.files.DownloadSession;
import io.nexo.p2p.files.FileCatalog;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.PartialFile;
import io.nexo.p2p.files.SafeFileName;
import io.nexo.p2p.files.ShareRegistry;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.files.proto.Have;
import io.nexo.p2p.files.proto.Refuse;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downloads of this node: fetches a manifest from a holder, runs a {@link DownloadSession} per
 * file with every holder as a source, sends its chunk requests and cancels, assembles the blocks
 * that answer them (only those: see {@link BlockIntake}) and hands whole chunks to the verifier,
 * and keeps sources up to date as holders come, go, refuse or report what they hold.
 */
final class Downloads {

    private static final Logger log = LoggerFactory.getLogger(Downloads.class);

    /** Peers asked for bitmap updates about every this many ticks. */
    private static final int HAVE_REFRESH_TICKS = 2;
    /** Known holders that do not serve a download yet are retried about every this many ticks. */
    private static final int SOURCE_REFRESH_TICKS = 3;
    /** Finished downloads remembered for {@code download(id)}. */
    private static final int FINISHED_KEPT = 64;

    /** A running download and the peers asked to serve it. */
    private static final class Download {
        final DownloadSession<PeerId> session;
        final Set<PeerId> partialSources = ConcurrentHashMap.newKeySet();

        Download(DownloadSession<PeerId> session) {
            this.session = session;
        }
    }

    private final PeerId self;
    private final FileExchangeConfig config;
    private final FileEvents events;
    private final ShareRegistry registry;
    private final FileCatalog<PeerId> catalog;
    private final FileSessions sessions;
    private final Announcer announcer;
    private final FileThreads threads;
    private final ManifestFetcher manifests;
    private final BlockIntake intake;
    private final LongSupplier nanoTime;
    private final Random random;
    private final Map<FileId, Download> running = new ConcurrentHashMap<>();
    private final Map<FileId, DownloadSession<PeerId>> finished = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FileId, DownloadSession<PeerId>> eldest) {
            return size() > FINISHED_KEPT;
        }
    });
    private final AtomicInteger ticks = new AtomicInteger();

    Downloads(PeerId self, FileExchangeConfig config, FileEvents events, ShareRegistry registry,
              FileCatalog<PeerId> catalog, FileSessions sessions, Announcer announcer, FileThreads threads,
              BlockIntake intake, LongSupplier nanoTime, Random random) {
        this.self = self;
        this.config = config;
        this.events = events;
        this.registry = registry;
        this.catalog = catalog;
        this.sessions = sessions;
        this.announcer = announcer;
        this.threads = threads;
        this.manifests = new ManifestFetcher(sessions, catalog, config.manifestTimeout());
        this.intake = intake;
        this.nanoTime = nanoTime;
        this.random = random;
    }

    /** Resumes the downloads left in the state folder. */
    void resumeAll() throws IOException {
        for (Path state : PartialFile.stateFiles(config.stateDir())) {
            try {
                start(PartialFile.resume(state, ChannelOpener.DEFAULT));
            } catch (IOException | RuntimeException e) {
                log.warn("Cannot resume the download in {}: {}", state, e.getMessage());
            }
        }
    }

    /** See {@link FileExchange#get}. */
    CompletableFuture<DownloadSession<PeerId>> get(FileId id, Optional<Path> dest) {
        Download d = running.get(id);
        if (d != null) {
            return CompletableFuture.completedFuture(d.session);
        }
        FileCatalog.Entry<PeerId> entry = catalog.get(id).orElse(null);
        if (entry == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "no peer offers " + id.shortForm() + " (see /files)"));
        }
        List<FileCatalog.Holder<PeerId>> holders = new ArrayList<>(entry.holders());
        holders.sort((a, b) -> Boolean.compare(b.complete(), a.complete()));
        // opening may resume a partial download, which re-hashes its chunks: not on an I/O thread
        return manifests.fetch(id, entry.name(), holders).thenApplyAsync(manifest -> {
            Download started = running.get(id);
            if (started != null) {
                return started.session;
            }
            try {
                Path target = targetFor(manifest, dest);
                started = start(PartialFile.open(config.stateDir(), manifest, target, ChannelOpener.DEFAULT));
            } catch (IOException e) {
                throw new CompletionException(e);
            }
            for (FileCatalog.Holder<PeerId> h : holders) {
                addHolder(started, h.peer(), h.addrs(), h.complete());
            }
            return started.session;
        }, threads.writers());
    }

    /** Ids of the running downloads. */
    Set<FileId> ids() {
        return running.keySet();
    }

    List<DownloadProgress> progress() {
        return running.values().stream().map(d -> d.session.progress())
                .sorted((a, b) -> a.name().compareToIgnoreCase(b.name())).toList();
    }

    Optional<DownloadSession<PeerId>> download(FileId id) {
        Download d = running.get(id);
        return d != null ? Optional.of(d.session) : Optional.ofNullable(finished.get(id));
    }

    /** See {@link FileExchange#cancel}. */
    boolean cancel(FileId id) {
        Download d = running.remove(id);
        if (d == null) {
            return false;
        }
        registry.unregister(d.session.partialFile());
        d.session.cancel();
        announcer.announce(List.of(Announcer.offer(d.session.partialFile(), true)));
        return true;
    }

    /** A holder offers {@code id}: it serves the download of it, if one runs. */
    void onHolder(FileId id, PeerId holder, List<String> addrs, boolean complete) {
        Download d = running.get(id);
        if (d != null) {
            addHolder(d, holder, addrs, complete);
        }
    }

    /** A session with {@code peer} opened: it rejoins the downloads it can serve. */
    void onConnected(PeerId peer) {
        for (Download d : running.values()) {
            rejoin(d, peer);
        }
    }

    /** The node reports {@code peer} gone: its requests go to others. */
    void onDisconnected(PeerId peer) {
        intake.forget(peer);
        for (Download d : running.values()) {
            d.partialSources.remove(peer);
            threads.onWriters(() -> d.session.onPeerGone(peer));
        }
    }

    /**
     * A session with {@code peer} closed: requests sent on it go to others, and the peer serves
     * again at once if it is still reachable on another session.
     */
    void onSessionClosed(PeerId peer) {
        intake.forget(peer);
        for (Download d : running.values()) {
            if (d.session.hasSource(peer)) {
                threads.onWriters(() -> {
                    d.session.onPeerGone(peer);
                    rejoin(d, peer);
                });
            }
        }
    }

    /** The manifest answers and refusals of manifest requests. */
    ManifestFetcher manifests() {
        return manifests;
    }

    void onRefuse(PeerId from, Refuse r) {
        FileId id = FileMessages.fileId(r.getId());
        if (r.getManifest()) {
            manifests.onRefused(from, id);
            return;
        }
        Download d = running.get(id);
        if (d == null) {
            return;
        }
        if (r.getReason() == Refuse.Reason.NOT_SHARED) {
            catalog.withdraw(from, id);
            threads.onWriters(() -> d.session.onPeerGone(from));
        } else if (r.getReason() == Refuse.Reason.BUSY) {
            threads.onWriters(() -> d.session.onBusy(from, r.getIndex()));
        } else {
            threads.onWriters(() -> d.session.onRefused(from, r.getIndex()));
        }
    }

    void onHave(PeerId from, Have h) {
        Download d = running.get(FileMessages.fileId(h.getId()));
        if (d == null) {
            return;
        }
        BitSet have;
        if (h.getComplete()) {
            have = new BitSet();
            have.set(0, d.session.manifest().chunkCount());
            d.partialSources.remove(from);
        } else {
            have = BitSet.valueOf(h.getHave().toByteArray());
        }
        if (!have.isEmpty()) {
            threads.onWriters(() -> d.session.addSource(from, have));
        }
    }

    /** A block: taken if its chunk was requested of this peer (see {@link BlockIntake}). */
    void onBlock(PeerSession from, FileFrames.Block b) {
        Download d = running.get(b.id());
        intake.onBlock(from, b, d == null ? null : d.session);
    }

    /** Expires requests, reports progress, retries holders and refreshes bitmaps (timer, once a second). */
    void tick() {
        int tick = ticks.incrementAndGet();
        intake.expire();
        for (Download d : running.values()) {
            d.session.tick();
            if (d.session.state() == DownloadSession.State.RUNNING) {
                DownloadProgress p = d.session.progress();
                log.debug("{}: {}/{} chunks, {} peers, by peer {}", p.name(), p.chunksDone(), p.chunkCount(),
                        p.peers(), p.chunksByPeer());
                events.onProgress(p);
            }
            if (tick % SOURCE_REFRESH_TICKS == 0) {
                // holders that could not be reached, or left and came back, are asked again
                catalog.get(d.session.id()).ifPresent(e -> e.holders().forEach(
                        h -> addHolder(d, h.peer(), h.addrs(), h.complete())));
            }
            if (tick % HAVE_REFRESH_TICKS == 0) {
                for (PeerId p : d.partialSources) {
                    sessions.send(p, FileMessages.getHave(d.session.id()));
                }
            }
        }
    }

    /** Pauses every download (the exchange is closing): their state stays on disk. */
    void pauseAll() {
        for (Download d : running.values()) {
            d.session.pause();
        }
        running.clear();
    }

    private void rejoin(Download d, PeerId peer) {
        catalog.get(d.session.id()).ifPresent(e -> e.holders().stream()
                .filter(h -> h.peer().equals(peer))
                .forEach(h -> addHolder(d, h.peer(), h.addrs(), h.complete())));
    }

    private Path targetFor(FileManifest m, Optional<Path> dest) {
        if (dest.isEmpty()) {
            return SafeFileName.resolveInside(config.downloadsDir(), m.name());
        }
        Path d = dest.get();
        if (Files.isDirectory(d)) {
            return SafeFileName.resolveInside(d, m.name());
        }
        return d.toAbsolutePath().normalize(); // a file name the user chose
    }

    private Download start(PartialFile part) {
        FileId id = part.manifest().id();
        DownloadSession<PeerId> session = new DownloadSession<>(part, new Requester(part.manifest()), new Listener(),
                config.scheduler(), nanoTime, random, threads::onWriters);
        Download d = new Download(session);
        Download existing = running.putIfAbsent(id, d);
        if (existing != null) {
            try {
                part.close();
            } catch (IOException e) {
                log.debug("closing duplicate partial file: {}", e.toString());
            }
            return existing;
        }
        registry.register(part); // downloaders serve the chunks they hold
        announcer.announce(List.of(Announcer.offer(part, false)));
        session.start();
        return d;
    }

    private void addHolder(Download d, PeerId peer, List<String> addrs, boolean complete) {
        if (peer.equals(self) || d.session.hasSource(peer) || d.session.isDropped(peer)
                || d.session.state() != DownloadSession.State.RUNNING) {
            return;
        }
        sessions.session(peer, addrs).whenComplete((s, err) -> {
            if (err != null) {
                log.info("Cannot reach {} for {}: {}", peer.shortId(), d.session.manifest().name(), err.getMessage());
                return;
            }
            if (complete) {
                BitSet all = new BitSet();
                all.set(0, d.session.manifest().chunkCount());
                threads.onWriters(() -> d.session.addSource(peer, all));
            } else {
                d.partialSources.add(peer);
                sessions.send(s, FileMessages.getHave(d.session.id()));
            }
        });
    }

    /** Sends a download's requests and cancels, and records them so that only requested blocks are taken. */
    private final class Requester implements ChunkRequester<PeerId> {
        private final FileManifest manifest;

        Requester(FileManifest manifest) {
            this.manifest = manifest;
        }

        @Override
        public void request(PeerId peer, FileId file, int chunk) {
            intake.requested(peer, file, chunk); // before sending: the answer may come at once
            if (!sessions.send(peer, FileMessages.getChunk(file, chunk))) {
                Download d = running.get(file);
                if (d != null) {
                    threads.onWriters(() -> d.session.onPeerGone(peer));
                }
            }
        }

        @Override
        public void cancel(PeerId peer, FileId file, int chunk) {
            intake.cancelled(peer, file, chunk, manifest.chunkLength(chunk));
            sessions.send(peer, FileMessages.cancel(file, chunk));
        }
    }

    private final class Listener implements DownloadListener {
        @Override
        public void onComplete(FileId id, Path path) {
            Download d = running.remove(id);
            if (d == null) {
                return;
            }
            finished.put(id, d.session);
            registry.unregister(d.session.partialFile());
            try {
                SharedFile done = SharedFile.openVerified(path, d.session.manifest());
                registry.register(done);
                announcer.announce(List.of(Announcer.offer(done, false)));
            } catch (IOException e) {
                log.warn("Finished {} but cannot share it from {}: {}", id.shortForm(), path, e.getMessage());
            }
            events.onProgress(d.session.progress());
            events.onComplete(id, d.session.manifest().name(), path);
        }

        @Override
        public void onFailed(FileId id, Exception cause) {
            Download d = running.remove(id);
            if (d != null) {
                registry.unregister(d.session.partialFile());
                finished.put(id, d.session);
                events.onFailed(id, d.session.manifest().name(), cause.getMessage());
            }
        }
    }
}
