package io.nexo.p2p.files.net;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.nexo.p2p.files.ChunkSource;
import io.nexo.p2p.files.DownloadProgress;
import io.nexo.p2p.files.DownloadSession;
import io.nexo.p2p.files.FileCatalog;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.ShareRegistry;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.files.proto.FileAnnounce;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.AppProtocol;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerListener;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.BinaryFrame;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File exchange on a {@link PeerNode}: shares files, announces them by gossip, keeps the catalog of
 * what the network offers, serves chunks to peers within upload limits, and runs downloads from
 * every peer that holds the file. The engine is in {@code io.nexo.p2p.files}; this class is its
 * binding to the node's sessions ({@link AppProtocol} {@value FileFrames#PROTOCOL}) and the user's
 * entry point. The roles are in this package: {@link FileDispatcher} (frames), {@link ChunkServer}
 * (uploads), {@link ManifestServer}, {@link Downloads} (with {@link ManifestFetcher},
 * {@link BlockIntake} and {@link ChunkVerifier}), {@link Announcer} (offers and catalog), {@link FileSessions}.
 *
 * <p>Threads: frames arrive on session I/O threads, where requested chunks are also read and
 * received chunks assembled; each assembled chunk is hashed, written and marked on the verifier
 * pool (one thread per core, bounded queue); the final check and peer bookkeeping run on a small
 * pool; a timer drives timeouts, progress and re-announcements once a second. The node's listener
 * must pass events to {@link #onEvent}.
 */
public final class FileExchange implements AppProtocol, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileExchange.class);

    /** A file as {@code /files} lists it. */
    public record Offer(FileId id, String name, long size, int peers, boolean local) {
    }

    private final PeerNode node;
    private final FileExchangeConfig config;
    private final FileEvents events;
    private final ShareRegistry registry = new ShareRegistry();
    private final FileCatalog<PeerId> catalog;
    private final BlockAssembler<PeerId> assembler;
    private final FileSessions sessions;
    private final FileThreads threads = new FileThreads();
    private final ChunkVerifier verifier = new ChunkVerifier();
    private final Announcer announcer;
    private final ChunkServer chunks;
    private final Downloads downloads;
    private final FileDispatcher dispatcher;
    private final FileLimitCounters counters;
    private final PeerAllowance allowance;
    private volatile boolean closed;

    public FileExchange(PeerNode node, FileExchangeConfig config, FileEvents events) {
        this(node, config, events, System::nanoTime, new Random());
    }

    public FileExchange(PeerNode node, FileExchangeConfig config, FileEvents events, LongSupplier nanoTime,
                        Random random) {
        this.node = node;
        this.config = config;
        this.events = events;
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        FileLimits limits = config.limits();
        this.counters = new FileLimitCounters(nanoTime);
        this.allowance = new PeerAllowance(limits, nanoTime);
        this.catalog = new FileCatalog<>(nanoTime, config.announceInterval().multipliedBy(3).toNanos(),
                limits.maxOffers(), limits.maxOffersPerPeer());
        this.assembler = new BlockAssembler<>(alloc);
        this.sessions = new FileSessions(node, alloc, allowance, counters, new HolderDials(nanoTime, random));
        this.announcer = new Announcer(node, registry, catalog, sessions, counters,
                config.announceInterval().multipliedBy(3));
        this.chunks = new ChunkServer(config, registry, sessions, threads, alloc, nanoTime, counters);
        BlockIntake intake = new BlockIntake(assembler, verifier, threads, counters, limits, nanoTime);
        this.downloads = new Downloads(node.peerId(), config, events, registry, catalog, sessions, announcer,
                threads, intake, nanoTime, random);
        this.dispatcher = new FileDispatcher(sessions, downloads, chunks, new ManifestServer(registry, sessions),
                announcer, allowance, counters);
        announcer.onHolder(downloads::onHolder);
        sessions.onClosed(peer -> {
            if (!closed) {
                downloads.onSessionClosed(peer);
            }
        });
    }

    /**
     * Registers the protocol on the node, resumes the downloads left in the state folder, and starts
     * the timer. Call before or right after the node starts.
     */
    public void start() throws IOException {
        node.registerProtocol(FileFrames.PROTOCOL, this);
        Files.createDirectories(config.downloadsDir());
        downloads.resumeAll();
        threads.every(1000, this::tick);
        threads.every(config.announceInterval().toMillis(), announcer::announceAll);
    }

    // ------------------------------------------------------------------ user commands

    /**
     * Shares a file or every file below a directory: hashes them (streaming; may take a while, so
     * call it off the node's threads) and announces them to the network.
     */
    public List<SharedFile> share(Path path) throws IOException {
        List<SharedFile> shared = registry.share(path);
        for (SharedFile f : shared) {
            events.onShared(f);
        }
        announcer.announce(shared.stream().map(s -> Announcer.offer(s, false)).toList());
        return shared;
    }

    /** What the network offers, plus this node's own shares. */
    public List<Offer> files() {
        Map<FileId, Offer> out = new LinkedHashMap<>();
        for (FileCatalog.Entry<PeerId> e : catalog.entries()) {
            out.put(e.id(), new Offer(e.id(), e.name(), e.size(), e.holders().size(), false));
        }
        for (ChunkSource s : registry.sources()) {
            if (s instanceof SharedFile) {
                FileManifest m = s.manifest();
                Offer known = out.get(m.id());
                out.put(m.id(), new Offer(m.id(), m.name(), m.size(), (known == null ? 0 : known.peers()) + 1, true));
            }
        }
        List<Offer> list = new ArrayList<>(out.values());
        list.sort((a, b) -> a.name().compareToIgnoreCase(b.name()));
        return list;
    }

    /** The id a user means: a full id or a unique prefix of an offered or downloading one. */
    public FileId resolve(String idOrPrefix) {
        String s = idOrPrefix.strip().toLowerCase(Locale.ROOT);
        if (s.length() >= 6 && s.length() < FileId.HEX_LENGTH) {
            List<FileId> local = new ArrayList<>(downloads.ids());
            registry.sources().forEach(src -> local.add(src.manifest().id()));
            List<FileId> matches = local.stream().filter(id -> id.hex().startsWith(s)).distinct().toList();
            if (matches.size() == 1) {
                return matches.get(0);
            }
        }
        return catalog.resolve(idOrPrefix);
    }

    /**
     * Downloads {@code id} into the downloads folder, or into {@code dest} (a folder, or a file
     * path). Completes when the download has started (manifest fetched and verified), not when it
     * finishes; {@link FileEvents#onComplete} says that.
     */
    public CompletableFuture<DownloadSession<PeerId>> get(FileId id, Optional<Path> dest) {
        Optional<ChunkSource> local = registry.source(id);
        if (!downloads.ids().contains(id) && local.isPresent() && local.get() instanceof SharedFile f) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "this node already shares " + id.shortForm() + " (" + f.path() + ")"));
        }
        return downloads.get(id, dest);
    }

    /** Downloads in progress. */
    public List<DownloadProgress> downloads() {
        return downloads.progress();
    }

    /** The download of {@code id}, running or recently finished. */
    public Optional<DownloadSession<PeerId>> download(FileId id) {
        return downloads.download(id);
    }

    /** Abandons the download of {@code id} and deletes its partial file; false if none runs. */
    public boolean cancel(FileId id) {
        return downloads.cancel(id);
    }

    /** Upload slots in use now (for tests and status). */
    public int uploadsInProgress() {
        return chunks.inUse();
    }

    /** Chunks this node has sent to peers since it started. */
    public long chunksUploaded() {
        return chunks.chunksUploaded();
    }

    /** How often each of the {@link FileLimits} triggered. */
    public FileLimitCounters limitCounters() {
        return counters;
    }

    /** Records in the catalog (a holder offering a file), for tests and status. */
    public int catalogSize() {
        return catalog.size();
    }

    /**
     * Runs the once-a-second work now (request and upload timeouts, catalog expiry, progress), for
     * tests that drive the clock.
     */
    void tickNow() {
        tick();
    }

    public ShareRegistry registry() {
        return registry;
    }

    // ------------------------------------------------------------------ node events

    /**
     * The node's listener for an exchange built after the node: a {@link PeerNode} takes its
     * listener when it is constructed and a FileExchange takes its node, so the listener forwards to
     * the exchange once {@link #bind} gave it one. Events before that carry no file traffic (bind
     * before starting the node).
     */
    public static final class NodeListener implements PeerListener {
        private volatile FileExchange exchange;

        /** Starts forwarding the node's events to {@code files}. */
        public void bind(FileExchange files) {
            exchange = files;
        }

        @Override
        public void onEvent(PeerEvent event) {
            FileExchange f = exchange;
            if (f != null) {
                f.onEvent(event);
            }
        }
    }

    /** Feed every event of the node here. */
    public void onEvent(PeerEvent event) {
        if (closed) {
            return;
        }
        if (event instanceof PeerEvent.PeerConnected c) {
            node.session(c.peer().id()).ifPresent(s -> {
                sessions.watch(s);
                announcer.sendCatalog(s);
                downloads.onConnected(s.peerId()); // a returning holder rejoins the downloads it can serve
            });
        } else if (event instanceof PeerEvent.PeerDisconnected d) {
            log.debug("{} disconnected: {}", d.peer().label(), d.reason());
            if (sessions.disconnected(d.peer().id())) {
                allowance.forget(d.peer().id());
                downloads.onDisconnected(d.peer().id());
            }
        } else if (event instanceof PeerEvent.MessageReceived m && FileFrames.PROTOCOL.equals(m.topic())) {
            if (m.originId().equals(node.peerId())) {
                return;
            }
            try {
                // the holder is the verified origin of the broadcast, whatever holder_id says
                FileAnnounce a = FileMessageLimits.check(FileAnnounce.parseFrom(m.payload()));
                announcer.onAnnouncement(m.originId(), a, m.signed());
            } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
                log.debug("Malformed file announcement from {}: {}", m.originId().shortId(), e.getMessage());
            }
        }
    }

    @Override
    public void onBinary(PeerSession from, BinaryFrame frame) {
        dispatcher.onBinary(from, frame);
    }

    private void tick() {
        try {
            catalog.expire();
            chunks.expireUploads();
            downloads.tick();
        } catch (RuntimeException e) {
            log.warn("File exchange tick failed: {}", e.toString(), e);
        }
    }

    /**
     * Stops timers and transfers. Downloads are paused, not cancelled: their state stays in the
     * data dir and the next start resumes them.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        announcer.close();
        threads.stopTimer();
        // chunks queued for verification are stored before the files close; later ones are dropped
        verifier.close();
        downloads.pauseAll();
        threads.close();
        chunks.close();
        assembler.clear();
        registry.close();
    }
}
