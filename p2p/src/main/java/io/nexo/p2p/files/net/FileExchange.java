package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.files.ChannelOpener;
import io.nexo.p2p.files.ChunkRequester;
import io.nexo.p2p.files.ChunkSource;
import io.nexo.p2p.files.DownloadListener;
import io.nexo.p2p.files.DownloadProgress;
import io.nexo.p2p.files.DownloadSession;
import io.nexo.p2p.files.FileCatalog;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.PartialFile;
import io.nexo.p2p.files.RateLimiter;
import io.nexo.p2p.files.SafeFileName;
import io.nexo.p2p.files.ShareRegistry;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.files.UploadSlots;
import io.nexo.p2p.files.proto.Cancel;
import io.nexo.p2p.files.proto.Catalog;
import io.nexo.p2p.files.proto.FileAnnounce;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.FileOffer;
import io.nexo.p2p.files.proto.GetChunk;
import io.nexo.p2p.files.proto.GetHave;
import io.nexo.p2p.files.proto.GetManifest;
import io.nexo.p2p.files.proto.Have;
import io.nexo.p2p.files.proto.Manifest;
import io.nexo.p2p.files.proto.Refuse;
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
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File exchange on a {@link PeerNode}: shares files, announces them by gossip, keeps the catalog of
 * what the network offers, serves chunks to peers within upload limits, and runs downloads from
 * every peer that holds the file. The engine is in {@code io.nexo.p2p.files}; this class is its
 * binding to the node's sessions ({@link AppProtocol} {@value FileFrames#PROTOCOL}).
 *
 * <p>Threads: frames arrive on session I/O threads, where requested chunks are also read and
 * received chunks assembled; each assembled chunk is hashed, written and marked on the verifier
 * pool (one thread per core, bounded queue); the final check and peer bookkeeping run on a small
 * pool; a timer drives timeouts, progress and re-announcements once a second. The node's listener must pass events to
 * {@link #onEvent}.
 */
public final class FileExchange implements AppProtocol, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileExchange.class);

    /** Offers per gossip message. */
    static final int OFFERS_PER_ANNOUNCE = 64;
    /** Peers asked for bitmap updates about every this many ticks. */
    private static final int HAVE_REFRESH_TICKS = 2;
    /** Known holders that do not serve a download yet are retried about every this many ticks. */
    private static final int SOURCE_REFRESH_TICKS = 3;
    /**
     * Chunks waiting for the verifier pool: each holds one chunk buffer. The scheduler already bounds
     * chunks in flight; this bound also holds against a peer that pushes chunks nobody asked for.
     * When it is full the I/O thread verifies the chunk itself, which stops it reading (back-pressure).
     */
    static final int VERIFY_QUEUE = 32;

    /** A file as {@code /files} lists it. */
    public record Offer(FileId id, String name, long size, int peers, boolean local) {
    }

    private final PeerNode node;
    private final FileExchangeConfig config;
    private final FileEvents events;
    private final LongSupplier nanoTime;
    private final Random random;
    private final ShareRegistry registry = new ShareRegistry();
    private final FileCatalog<PeerId> catalog;
    private final UploadSlots<PeerId> uploadSlots;
    private final BlockAssembler<PeerId> assembler;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final Map<PeerId, PeerSession> sessions = new ConcurrentHashMap<>();
    private final Set<io.netty.channel.Channel> watched = ConcurrentHashMap.newKeySet();
    private final Map<PeerId, CompletableFuture<PeerSession>> dialling = new ConcurrentHashMap<>();
    private final Map<FileId, Download> downloads = new ConcurrentHashMap<>();
    private final Map<FileId, DownloadSession<PeerId>> finished = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FileId, DownloadSession<PeerId>> eldest) {
            return size() > 64;
        }
    });
    private final Map<FileId, CompletableFuture<ManifestReply>> pendingManifests = new ConcurrentHashMap<>();
    private final Set<UploadKey> pendingUploads = ConcurrentHashMap.newKeySet();
    /** Chunks read and waiting for the upload rate cap; released if the exchange closes first. */
    private final Set<DelayedChunk> delayed = ConcurrentHashMap.newKeySet();
    private final ExecutorService diskWriters;
    private final ThreadPoolExecutor verifiers = newVerifierPool();
    private final ScheduledExecutorService timer;
    private final ChunkRequester<PeerId> requester = new Requester();
    private final AtomicInteger ticks = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong chunksUploaded = new java.util.concurrent.atomic.AtomicLong();
    private final RateLimiter uploadRate;
    private volatile boolean closed;

    private record UploadKey(PeerId peer, FileId id, int index) {
    }

    /**
     * A chunk read and waiting for the upload rate cap. Compared by identity on purpose: two
     * uploads of the same chunk (to two peers, or to a peer that reconnected) carry equal frames,
     * and a set of the frame lists treated them as one, so the second was never sent and its
     * upload slot never freed.
     */
    private static final class DelayedChunk {
        final List<BinaryFrame> frames;

        DelayedChunk(List<BinaryFrame> frames) {
            this.frames = frames;
        }
    }

    private record ManifestReply(PeerId from, FileManifest manifest, BitSet have, boolean complete) {
    }

    /** A running download and the peers asked to serve it. */
    private static final class Download {
        final DownloadSession<PeerId> session;
        final Set<PeerId> partialSources = ConcurrentHashMap.newKeySet();

        Download(DownloadSession<PeerId> session) {
            this.session = session;
        }
    }

    public FileExchange(PeerNode node, FileExchangeConfig config, FileEvents events) {
        this(node, config, events, System::nanoTime, new Random());
    }

    public FileExchange(PeerNode node, FileExchangeConfig config, FileEvents events, LongSupplier nanoTime,
                        Random random) {
        this.node = node;
        this.config = config;
        this.events = events;
        this.nanoTime = nanoTime;
        this.random = random;
        this.catalog = new FileCatalog<>(nanoTime, config.announceInterval().multipliedBy(3).toNanos());
        this.uploadSlots = new UploadSlots<>(config.maxUploads(), config.maxUploadsPerPeer());
        this.assembler = new BlockAssembler<>(alloc);
        this.diskWriters = Executors.newFixedThreadPool(2, daemon("nexo-files"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("nexo-files-timer"));
        this.uploadRate = config.uploadBytesPerSecond() > 0 ? new RateLimiter(config.uploadBytesPerSecond(), nanoTime) : null;
    }

    /**
     * Registers the protocol on the node, resumes the downloads left in the state folder, and starts
     * the timer. Call before or right after the node starts.
     */
    public void start() throws IOException {
        node.registerProtocol(FileFrames.PROTOCOL, this);
        Files.createDirectories(config.downloadsDir());
        for (Path state : PartialFile.stateFiles(config.stateDir())) {
            try {
                PartialFile part = PartialFile.resume(state, ChannelOpener.DEFAULT);
                startSession(part);
            } catch (IOException | RuntimeException e) {
                log.warn("Cannot resume the download in {}: {}", state, e.getMessage());
            }
        }
        timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        long announceMillis = config.announceInterval().toMillis();
        timer.scheduleWithFixedDelay(this::announceAll, announceMillis, announceMillis, TimeUnit.MILLISECONDS);
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
        announce(shared.stream().map(s -> offer(s, false)).toList());
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
        String s = idOrPrefix.strip().toLowerCase(java.util.Locale.ROOT);
        if (s.length() >= 6 && s.length() < FileId.HEX_LENGTH) {
            List<FileId> local = new ArrayList<>(downloads.keySet());
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
        Download running = downloads.get(id);
        if (running != null) {
            return CompletableFuture.completedFuture(running.session);
        }
        Optional<ChunkSource> local = registry.source(id);
        if (local.isPresent() && local.get() instanceof SharedFile f) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "this node already shares " + id.shortForm() + " (" + f.path() + ")"));
        }
        FileCatalog.Entry<PeerId> entry = catalog.get(id).orElse(null);
        if (entry == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "no peer offers " + id.shortForm() + " (see /files)"));
        }
        List<FileCatalog.Holder<PeerId>> holders = new ArrayList<>(entry.holders());
        holders.sort((a, b) -> Boolean.compare(b.complete(), a.complete()));
        // opening may resume a partial download, which re-hashes its chunks: not on an I/O thread
        return fetchManifest(id, holders, 0).thenApplyAsync(reply -> {
            Download d = downloads.get(id);
            if (d != null) {
                return d.session;
            }
            try {
                Path target = targetFor(reply.manifest(), dest);
                PartialFile part = PartialFile.open(config.stateDir(), reply.manifest(), target, ChannelOpener.DEFAULT);
                d = startSession(part);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
            for (FileCatalog.Holder<PeerId> h : holders) {
                addHolder(d, h.peer(), h.addrs(), h.complete());
            }
            return d.session;
        }, diskWriters);
    }

    /** Downloads in progress. */
    public List<DownloadProgress> downloads() {
        return downloads.values().stream().map(d -> d.session.progress())
                .sorted((a, b) -> a.name().compareToIgnoreCase(b.name())).toList();
    }

    /** The download of {@code id}, running or recently finished. */
    public Optional<DownloadSession<PeerId>> download(FileId id) {
        Download d = downloads.get(id);
        return d != null ? Optional.of(d.session) : Optional.ofNullable(finished.get(id));
    }

    /** Abandons the download of {@code id} and deletes its partial file; false if none runs. */
    public boolean cancel(FileId id) {
        Download d = downloads.remove(id);
        if (d == null) {
            return false;
        }
        registry.unregister(d.session.partialFile());
        d.session.cancel();
        announce(List.of(FileOffer.newBuilder().setId(ByteString.copyFrom(id.bytes()))
                .setName(d.session.manifest().name()).setSize(d.session.manifest().size()).setWithdrawn(true).build()));
        return true;
    }

    /** Upload slots in use now (for tests and status). */
    public int uploadsInProgress() {
        return uploadSlots.inUse();
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
                watch(s);
                sendCatalog(s);
                // a returning holder rejoins the downloads it can serve
                for (Download d : downloads.values()) {
                    catalog.get(d.session.id()).ifPresent(e -> e.holders().stream()
                            .filter(h -> h.peer().equals(s.peerId()))
                            .forEach(h -> addHolder(d, h.peer(), h.addrs(), h.complete())));
                }
            });
        } else if (event instanceof PeerEvent.PeerDisconnected d) {
            PeerId peer = d.peer().id();
            log.debug("{} disconnected: {}", d.peer().label(), d.reason());
            // only forget a session that is closed: a duplicate connection may have lost the race
            sessions.computeIfPresent(peer, (k, s) -> live(s) ? s : null);
            if (sessions.containsKey(peer)) {
                return;
            }
            assembler.discard(peer);
            for (Download dl : downloads.values()) {
                dl.partialSources.remove(peer);
                onWriters(() -> dl.session.onPeerGone(peer));
            }
        } else if (event instanceof PeerEvent.MessageReceived m && FileFrames.PROTOCOL.equals(m.topic())) {
            if (m.originId().equals(node.peerId())) {
                return;
            }
            try {
                FileAnnounce a = FileAnnounce.parseFrom(m.payload());
                learn(m.originId(), a);
            } catch (InvalidProtocolBufferException e) {
                log.debug("Malformed file announcement from {}: {}", m.originId().shortId(), e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ frames from peers

    @Override
    public void onBinary(PeerSession from, BinaryFrame frame) {
        try {
            PeerSession cached = sessions.get(from.peerId());
            if (cached == null || !live(cached)) {
                watch(from);
            }
            FileFrames.Decoded decoded = FileFrames.decode(frame.content());
            if (decoded instanceof FileFrames.Block b) {
                onBlock(from, b);
            } else if (decoded instanceof FileFrames.Message m) {
                onMessage(from, m.message());
            }
        } catch (IllegalArgumentException e) {
            log.warn("Closing session with {}: {}", from, e.getMessage());
            from.close("malformed files/1 frame: " + e.getMessage());
        } finally {
            frame.release();
        }
    }

    private void onMessage(PeerSession from, FileMessage msg) {
        PeerId peer = from.peerId();
        switch (msg.getBodyCase()) {
            case GET_MANIFEST -> onGetManifest(from, fileId(msg.getGetManifest().getId()));
            case MANIFEST -> onManifest(peer, msg.getManifest());
            case GET_CHUNK -> onGetChunk(from, fileId(msg.getGetChunk().getId()), msg.getGetChunk().getIndex());
            case REFUSE -> onRefuse(peer, msg.getRefuse());
            case CANCEL -> pendingUploads.remove(new UploadKey(peer, fileId(msg.getCancel().getId()),
                    msg.getCancel().getIndex()));
            case GET_HAVE -> onGetHave(from, fileId(msg.getGetHave().getId()));
            case HAVE -> onHave(peer, msg.getHave());
            case CATALOG -> msg.getCatalog().getAnnouncesList().forEach(a -> {
                try {
                    learn(PeerId.parse(a.getHolderId()), a);
                } catch (IllegalArgumentException e) {
                    log.debug("Catalog from {} names a bad peer id: {}", from, e.getMessage());
                }
            });
            case BODY_NOT_SET -> log.debug("Ignoring a files/1 message of a newer version from {}", from);
            default -> log.debug("Ignoring files/1 {} from {}", msg.getBodyCase(), from);
        }
    }

    private void onGetManifest(PeerSession from, FileId id) {
        Optional<ChunkSource> src = registry.source(id);
        if (src.isEmpty()) {
            send(from, FileMessage.newBuilder().setRefuse(Refuse.newBuilder().setId(ByteString.copyFrom(id.bytes()))
                    .setReason(Refuse.Reason.NOT_SHARED).setManifest(true)).build());
            return;
        }
        FileManifest m = src.get().manifest();
        boolean complete = src.get() instanceof SharedFile;
        Manifest.Builder b = Manifest.newBuilder().setId(ByteString.copyFrom(id.bytes())).setName(m.name())
                .setSize(m.size()).setChunkSize(m.chunkSize()).setChunkHashes(ByteString.copyFrom(m.chunkHashes()))
                .setComplete(complete);
        if (!complete && src.get() instanceof PartialFile p) {
            b.setHave(ByteString.copyFrom(p.held().toByteArray()));
        }
        send(from, FileMessage.newBuilder().setManifest(b).build());
    }

    private void onManifest(PeerId from, Manifest msg) {
        FileId id = fileId(msg.getId());
        CompletableFuture<ManifestReply> pending = pendingManifests.get(id);
        FileManifest manifest;
        try {
            manifest = FileManifest.received(id, msg.getName(), msg.getSize(), msg.getChunkSize(),
                    msg.getChunkHashes().toByteArray());
        } catch (IllegalArgumentException e) {
            log.warn("Peer {} sent a bad manifest for {}: {}", from.shortId(), id.shortForm(), e.getMessage());
            if (pending != null) {
                pending.completeExceptionally(e);
            }
            return;
        }
        ManifestReply reply = new ManifestReply(from, manifest, BitSet.valueOf(msg.getHave().toByteArray()),
                msg.getComplete());
        if (pending != null) {
            pending.complete(reply);
        }
    }

    private void onGetChunk(PeerSession from, FileId id, int index) {
        PeerId peer = from.peerId();
        Optional<ChunkSource> src = registry.source(id);
        Refuse.Reason refusal = null;
        if (src.isEmpty()) {
            refusal = Refuse.Reason.NOT_SHARED;
        } else if (index < 0 || !src.get().hasChunk(index)) {
            refusal = Refuse.Reason.NOT_HELD;
        } else if (!uploadSlots.tryAcquire(peer)) {
            refusal = Refuse.Reason.BUSY;
        }
        if (refusal != null) {
            log.debug("Refusing chunk {} of {} to {}: {}", index, id.shortForm(), from, refusal);
            send(from, FileMessage.newBuilder().setRefuse(Refuse.newBuilder().setId(ByteString.copyFrom(id.bytes()))
                    .setIndex(index).setReason(refusal)).build());
            return;
        }
        UploadKey key = new UploadKey(peer, id, index);
        pendingUploads.add(key);
        ChunkSource source = src.get();
        // read on the session's thread, like nginx without aio: shared files are read sequentially
        // and mostly from the page cache, and a hand-off to a disk thread costs more than the read
        upload(from, key, source);
    }

    /** Reads the chunk straight from the file into a direct buffer and sends it as blocks. */
    private void upload(PeerSession to, UploadKey key, ChunkSource source) {
        if (!pendingUploads.remove(key) || !to.isOpen()) {
            uploadSlots.release(key.peer());
            return;
        }
        ByteBuf data = null;
        try {
            ChunkSource.Slice slice = source.slice(key.index());
            data = alloc.directBuffer(slice.length());
            long pos = slice.offset();
            while (data.writerIndex() < slice.length()) {
                int n = data.writeBytes(slice.channel(), pos, slice.length() - data.writerIndex());
                if (n < 0) {
                    throw new IOException("file ended early at byte " + pos);
                }
                pos += n;
            }
            List<BinaryFrame> frames = FileFrames.blocks(alloc, key.id(), key.index(), data);
            long delay = uploadRate == null ? 0 : uploadRate.reserve(slice.length());
            if (delay > 0) {
                DelayedChunk waiting = new DelayedChunk(frames);
                delayed.add(waiting);
                try {
                    timer.schedule(() -> {
                        if (delayed.remove(waiting)) {
                            sendBlocks(to, key, frames);
                        }
                    }, delay, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    if (delayed.remove(waiting)) {
                        frames.forEach(BinaryFrame::release);
                        uploadSlots.release(key.peer());
                    }
                }
            } else {
                sendBlocks(to, key, frames);
            }
        } catch (IOException | RuntimeException e) {
            uploadSlots.release(key.peer());
            log.warn("Cannot serve chunk {} of {} to {}: {}", key.index(), source.manifest().name(), to, e.getMessage());
            send(to, FileMessage.newBuilder().setRefuse(Refuse.newBuilder().setId(ByteString.copyFrom(key.id().bytes()))
                    .setIndex(key.index()).setReason(Refuse.Reason.NOT_SHARED)).build());
            if (e instanceof SharedFile.FileChangedException) {
                registry.unshare(key.id());
            }
        } finally {
            if (data != null) {
                data.release();
            }
        }
    }

    private void sendBlocks(PeerSession to, UploadKey key, List<BinaryFrame> frames) {
        if (!to.isOpen()) {
            frames.forEach(BinaryFrame::release);
            uploadSlots.release(key.peer());
            return;
        }
        chunksUploaded.incrementAndGet();
        io.netty.channel.Channel ch = to.channel();
        // all blocks of the chunk with one flush (in one event-loop task when called from elsewhere)
        Runnable write = () -> {
            for (int i = 0; i < frames.size() - 1; i++) {
                ch.write(frames.get(i), ch.voidPromise());
            }
            ch.writeAndFlush(frames.get(frames.size() - 1)).addListener(f -> uploadSlots.release(key.peer()));
        };
        if (ch.eventLoop().inEventLoop()) {
            write.run();
        } else {
            ch.eventLoop().execute(write);
        }
    }

    /** Chunks this node has sent to peers since it started. */
    public long chunksUploaded() {
        return chunksUploaded.get();
    }

    private void onRefuse(PeerId from, Refuse r) {
        FileId id = fileId(r.getId());
        if (r.getManifest()) {
            CompletableFuture<ManifestReply> pending = pendingManifests.get(id);
            if (pending != null) {
                pending.completeExceptionally(new IOException("peer " + from.shortId() + " no longer offers it"));
            }
            catalog.withdraw(from, id);
            return;
        }
        Download d = downloads.get(id);
        if (d != null) {
            if (r.getReason() == Refuse.Reason.NOT_SHARED) {
                catalog.withdraw(from, id);
                onWriters(() -> d.session.onPeerGone(from));
            } else if (r.getReason() == Refuse.Reason.BUSY) {
                onWriters(() -> d.session.onBusy(from, r.getIndex()));
            } else {
                onWriters(() -> d.session.onRefused(from, r.getIndex()));
            }
        }
    }

    private void onGetHave(PeerSession from, FileId id) {
        Optional<ChunkSource> src = registry.source(id);
        Have.Builder b = Have.newBuilder().setId(ByteString.copyFrom(id.bytes()));
        if (src.isPresent() && src.get() instanceof SharedFile) {
            b.setComplete(true);
        } else if (src.isPresent() && src.get() instanceof PartialFile p) {
            b.setHave(ByteString.copyFrom(p.held().toByteArray()));
        }
        send(from, FileMessage.newBuilder().setHave(b).build());
    }

    private void onHave(PeerId from, Have h) {
        Download d = downloads.get(fileId(h.getId()));
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
            onWriters(() -> d.session.addSource(from, have));
        }
    }

    private void onBlock(PeerSession from, FileFrames.Block b) {
        Download d = downloads.get(b.id());
        FileManifest m = d == null ? null : d.session.manifest();
        PeerId peer = from.peerId();
        if (m == null || b.index() >= m.chunkCount() || d.session.isDropped(peer)) {
            log.debug("Ignoring block {}@{} from {}", b.index(), b.offset(), from);
            b.data().release(); // late block of a finished or cancelled download, or of a dropped peer
            return;
        }
        Optional<ByteBuf> chunk;
        try {
            chunk = assembler.add(peer, b.id(), b.index(), b.offset(), b.data(), m.chunkLength(b.index()));
        } catch (IllegalArgumentException e) {
            onWriters(() -> d.session.dropPeer(peer, e.getMessage()));
            return;
        }
        // hashed and written on the verifier pool, so the I/O thread goes back to decrypting and the
        // SHA-256 of chunks runs on every core (profiled: on one thread, hash and write capped the
        // download at ~290 MiB/s while the other core idled); see docs/benchmarks.md
        chunk.ifPresent(c -> verifiers.execute(new VerifyChunk(d.session, peer, b.index(), c)));
    }

    /** Verifies, writes and marks one assembled chunk, then releases its buffer. */
    private static final class VerifyChunk implements Runnable {
        private final DownloadSession<PeerId> session;
        private final PeerId peer;
        private final int index;
        private final ByteBuf chunk;

        VerifyChunk(DownloadSession<PeerId> session, PeerId peer, int index, ByteBuf chunk) {
            this.session = session;
            this.peer = peer;
            this.index = index;
            this.chunk = chunk;
        }

        @Override
        public void run() {
            try {
                session.onChunk(peer, index, chunk.nioBuffer());
            } catch (RuntimeException e) {
                log.warn("Storing chunk {} of {} from {} failed: {}", index, session.manifest().name(),
                        peer.shortId(), e.toString(), e);
            } finally {
                chunk.release();
            }
        }

        /** The exchange is closing: the chunk is dropped (not marked, so a resume fetches it again). */
        void discard() {
            chunk.release();
        }
    }

    private static ThreadPoolExecutor newVerifierPool() {
        // one per core (up to 4): SHA-256 runs at ~1.5 GiB/s per core with the SHA extensions
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(VERIFY_QUEUE), daemon("nexo-files-verify"), (task, pool) -> {
                    if (pool.isShutdown()) {
                        ((VerifyChunk) task).discard();
                    } else {
                        task.run();
                    }
                });
    }

    /** Runs {@code task} on the disk writers; false (task not run) once the exchange is closing. */
    private boolean onWriters(Runnable task) {
        if (closed) {
            return false;
        }
        try {
            diskWriters.execute(task);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ downloads

    private CompletableFuture<ManifestReply> fetchManifest(FileId id, List<FileCatalog.Holder<PeerId>> holders,
                                                           int next) {
        if (next >= holders.size()) {
            return CompletableFuture.failedFuture(new IOException("no holder of " + id.shortForm()
                    + " answered with its manifest"));
        }
        FileCatalog.Holder<PeerId> h = holders.get(next);
        return session(h.peer(), h.addrs()).thenCompose(s -> {
            CompletableFuture<ManifestReply> reply = pendingManifests.computeIfAbsent(id, k -> new CompletableFuture<>());
            send(s, FileMessage.newBuilder().setGetManifest(GetManifest.newBuilder()
                    .setId(ByteString.copyFrom(id.bytes()))).build());
            return reply.orTimeout(config.manifestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }).handle((reply, err) -> {
            pendingManifests.remove(id);
            if (err == null) {
                return CompletableFuture.completedFuture(reply);
            }
            log.info("Manifest of {} from {}: {}; trying the next holder", id.shortForm(), h.peer().shortId(),
                    err.getMessage());
            return fetchManifest(id, holders, next + 1);
        }).thenCompose(f -> f);
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

    private Download startSession(PartialFile part) {
        FileId id = part.manifest().id();
        DownloadSession<PeerId> session = new DownloadSession<>(part, requester, new Listener(),
                config.scheduler(), nanoTime, random, this::onWriters);
        Download d = new Download(session);
        Download existing = downloads.putIfAbsent(id, d);
        if (existing != null) {
            try {
                part.close();
            } catch (IOException e) {
                log.debug("closing duplicate partial file: {}", e.toString());
            }
            return existing;
        }
        registry.register(part); // downloaders serve the chunks they hold
        announce(List.of(offer(part, false)));
        session.start();
        return d;
    }

    private void addHolder(Download d, PeerId peer, List<String> addrs, boolean complete) {
        if (peer.equals(node.peerId()) || d.session.hasSource(peer) || d.session.isDropped(peer)
                || d.session.state() != DownloadSession.State.RUNNING) {
            return;
        }
        session(peer, addrs).whenComplete((s, err) -> {
            if (err != null) {
                log.info("Cannot reach {} for {}: {}", peer.shortId(), d.session.manifest().name(), err.getMessage());
                return;
            }
            if (complete) {
                BitSet all = new BitSet();
                all.set(0, d.session.manifest().chunkCount());
                onWriters(() -> d.session.addSource(peer, all));
            } else {
                d.partialSources.add(peer);
                send(s, FileMessage.newBuilder().setGetHave(GetHave.newBuilder()
                        .setId(ByteString.copyFrom(d.session.id().bytes()))).build());
            }
        });
    }

    /** The session with {@code peer}, dialling it at one of {@code addrs} when not connected. */
    private CompletableFuture<PeerSession> session(PeerId peer, List<String> addrs) {
        PeerSession s = liveSession(peer);
        if (s != null) {
            return CompletableFuture.completedFuture(s);
        }
        if (addrs.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no address known for " + peer.shortId()));
        }
        HostAndPort addr;
        try {
            addr = HostAndPort.parse(addrs.get(0));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        // one dial per peer at a time: concurrent dials would end as duplicate connections
        HostAndPort target = addr;
        return dialling.computeIfAbsent(peer, p -> {
            CompletableFuture<PeerSession> f = node.connect(DialTarget.of(p, target)).thenApply(info -> {
                PeerSession now = liveSession(p);
                if (now == null) {
                    throw new IllegalStateException("session with " + p.shortId() + " closed");
                }
                return now;
            });
            f.whenComplete((ok, err) -> dialling.remove(p));
            return f;
        });
    }

    /**
     * The open session with {@code peer}: the cached one while it is live, else the node's current
     * one (after a duplicate connection was resolved, the cached one may be the loser).
     */
    private PeerSession liveSession(PeerId peer) {
        PeerSession s = sessions.get(peer);
        if (s != null && live(s)) {
            return s;
        }
        Optional<PeerSession> current = node.session(peer);
        if (current.isPresent() && live(current.get())) {
            watch(current.get());
            return current.get();
        }
        sessions.remove(peer);
        return null;
    }

    /**
     * Caches {@code s} and, when its channel closes, hands the requests sent on it to other
     * sessions. The node does not report a session closed as the loser of a duplicate connection,
     * and requests sent on it would otherwise wait for their timeout.
     */
    private void watch(PeerSession s) {
        PeerSession previous = sessions.put(s.peerId(), s);
        if (previous == s || !watched.add(s.channel())) {
            return;
        }
        s.channel().closeFuture().addListener(f -> {
            watched.remove(s.channel());
            sessions.remove(s.peerId(), s);
            if (closed) {
                return;
            }
            PeerId peer = s.peerId();
            assembler.discard(peer);
            for (Download d : downloads.values()) {
                if (d.session.hasSource(peer)) {
                    onWriters(() -> {
                        d.session.onPeerGone(peer);
                        // still reachable on another session? then it serves again at once
                        catalog.get(d.session.id()).ifPresent(e -> e.holders().stream()
                                .filter(h -> h.peer().equals(peer))
                                .forEach(h -> addHolder(d, h.peer(), h.addrs(), h.complete())));
                    });
                }
            }
        });
    }

    private static boolean live(PeerSession s) {
        return s.isOpen() && s.closeReason() == null;
    }

    private final class Requester implements ChunkRequester<PeerId> {
        @Override
        public void request(PeerId peer, FileId file, int chunk) {
            PeerSession s = liveSession(peer);
            if (s == null) {
                Download d = downloads.get(file);
                if (d != null) {
                    onWriters(() -> d.session.onPeerGone(peer));
                }
                return;
            }
            send(s, FileMessage.newBuilder().setGetChunk(GetChunk.newBuilder()
                    .setId(ByteString.copyFrom(file.bytes())).setIndex(chunk)).build());
        }

        @Override
        public void cancel(PeerId peer, FileId file, int chunk) {
            assembler.discard(peer, file, chunk);
            PeerSession s = liveSession(peer);
            if (s != null) {
                send(s, FileMessage.newBuilder().setCancel(Cancel.newBuilder()
                        .setId(ByteString.copyFrom(file.bytes())).setIndex(chunk)).build());
            }
        }
    }

    private final class Listener implements DownloadListener {
        @Override
        public void onComplete(FileId id, Path path) {
            Download d = downloads.remove(id);
            if (d == null) {
                return;
            }
            finished.put(id, d.session);
            registry.unregister(d.session.partialFile());
            try {
                SharedFile done = SharedFile.openVerified(path, d.session.manifest());
                registry.register(done);
                announce(List.of(offer(done, false)));
            } catch (IOException e) {
                log.warn("Finished {} but cannot share it from {}: {}", id.shortForm(), path, e.getMessage());
            }
            events.onProgress(d.session.progress());
            events.onComplete(id, d.session.manifest().name(), path);
        }

        @Override
        public void onFailed(FileId id, Exception cause) {
            Download d = downloads.remove(id);
            if (d != null) {
                registry.unregister(d.session.partialFile());
                finished.put(id, d.session);
                events.onFailed(id, d.session.manifest().name(), cause.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ announcements

    private void learn(PeerId holder, FileAnnounce a) {
        if (holder.equals(node.peerId())) {
            return;
        }
        List<String> addrs = a.getHolderAddrsList();
        for (FileOffer o : a.getOffersList()) {
            if (o.getId().size() != FileId.BYTES) {
                continue;
            }
            FileId id = FileId.of(o.getId().toByteArray());
            if (o.getWithdrawn()) {
                catalog.withdraw(holder, id);
                continue;
            }
            if (!catalog.offer(holder, id, o.getName(), o.getSize(), o.getComplete(), addrs)) {
                log.debug("Ignoring offer {} from {} with unsafe name '{}'", id.shortForm(), holder.shortId(),
                        o.getName().length() > 80 ? o.getName().substring(0, 80) : o.getName());
                continue;
            }
            Download d = downloads.get(id);
            if (d != null) {
                addHolder(d, holder, addrs, o.getComplete());
            }
        }
    }

    private FileOffer offer(ChunkSource s, boolean withdrawn) {
        FileManifest m = s.manifest();
        return FileOffer.newBuilder().setId(ByteString.copyFrom(m.id().bytes())).setName(m.name()).setSize(m.size())
                .setComplete(s instanceof SharedFile).setWithdrawn(withdrawn).build();
    }

    private FileAnnounce.Builder ownAnnounce() {
        return FileAnnounce.newBuilder().setHolderId(node.peerId().value())
                .addAllHolderAddrs(node.advertisedAddresses().stream().map(HostAndPort::toString).toList());
    }

    private void announce(List<FileOffer> offers) {
        if (closed || offers.isEmpty()) {
            return;
        }
        for (int i = 0; i < offers.size(); i += OFFERS_PER_ANNOUNCE) {
            FileAnnounce a = ownAnnounce().addAllOffers(offers.subList(i, Math.min(offers.size(), i + OFFERS_PER_ANNOUNCE)))
                    .build();
            try {
                node.publish(FileFrames.PROTOCOL, a.toByteArray());
            } catch (RuntimeException e) {
                log.warn("Announcing {} files failed: {}", a.getOffersCount(), e.getMessage());
            }
        }
    }

    private void announceAll() {
        try {
            announce(registry.sources().stream().map(s -> offer(s, false)).toList());
        } catch (RuntimeException e) {
            log.warn("Re-announcing files failed: {}", e.toString());
        }
    }

    /** Tells a new neighbour every offer this node knows of, its own included. */
    private void sendCatalog(PeerSession s) {
        Catalog.Builder c = Catalog.newBuilder();
        List<FileOffer> own = registry.sources().stream().map(src -> offer(src, false)).toList();
        for (int i = 0; i < own.size(); i += OFFERS_PER_ANNOUNCE) {
            c.addAnnounces(ownAnnounce().addAllOffers(own.subList(i, Math.min(own.size(), i + OFFERS_PER_ANNOUNCE))));
        }
        Map<PeerId, FileAnnounce.Builder> byHolder = new LinkedHashMap<>();
        for (FileCatalog.Entry<PeerId> e : catalog.entries()) {
            for (FileCatalog.Holder<PeerId> h : e.holders()) {
                if (h.peer().equals(s.peerId())) {
                    continue;
                }
                FileAnnounce.Builder b = byHolder.computeIfAbsent(h.peer(), p -> FileAnnounce.newBuilder()
                        .setHolderId(p.value()).addAllHolderAddrs(h.addrs()));
                if (b.getOffersCount() < OFFERS_PER_ANNOUNCE) {
                    b.addOffers(FileOffer.newBuilder().setId(ByteString.copyFrom(e.id().bytes())).setName(e.name())
                            .setSize(e.size()).setComplete(h.complete()));
                }
            }
        }
        byHolder.values().forEach(c::addAnnounces);
        if (c.getAnnouncesCount() > 0) {
            send(s, FileMessage.newBuilder().setCatalog(c).build());
        }
    }

    // ------------------------------------------------------------------ timer

    private void tick() {
        try {
            catalog.expire();
            boolean refreshHaves = ticks.incrementAndGet() % HAVE_REFRESH_TICKS == 0;
            for (Download d : downloads.values()) {
                d.session.tick();
                if (d.session.state() == DownloadSession.State.RUNNING) {
                    DownloadProgress p = d.session.progress();
                    log.debug("{}: {}/{} chunks, {} peers, by peer {}", p.name(), p.chunksDone(), p.chunkCount(),
                            p.peers(), p.chunksByPeer());
                    events.onProgress(p);
                }
                if (ticks.get() % SOURCE_REFRESH_TICKS == 0) {
                    // holders that could not be reached, or left and came back, are asked again
                    catalog.get(d.session.id()).ifPresent(e -> e.holders().forEach(
                            h -> addHolder(d, h.peer(), h.addrs(), h.complete())));
                }
                if (refreshHaves) {
                    for (PeerId p : d.partialSources) {
                        PeerSession s = liveSession(p);
                        if (s != null) {
                            send(s, FileMessage.newBuilder().setGetHave(GetHave.newBuilder()
                                    .setId(ByteString.copyFrom(d.session.id().bytes()))).build());
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("File exchange tick failed: {}", e.toString(), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void send(PeerSession s, FileMessage msg) {
        if (s.isOpen()) {
            s.sendBinary(FileFrames.message(alloc, msg));
        }
    }

    private static FileId fileId(ByteString raw) {
        if (raw.size() != FileId.BYTES) {
            throw new IllegalArgumentException("file id of " + raw.size() + " bytes (expected: " + FileId.BYTES + ")");
        }
        return FileId.of(raw.toByteArray());
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
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
        timer.shutdownNow();
        // chunks queued for verification are stored before the files close; later ones are dropped
        verifiers.shutdown();
        try {
            if (!verifiers.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Chunks still being verified after 5 s; pausing the downloads anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Download d : downloads.values()) {
            d.session.pause();
        }
        diskWriters.shutdown();
        try {
            diskWriters.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (DelayedChunk waiting : List.copyOf(delayed)) {
            if (delayed.remove(waiting)) {
                waiting.frames.forEach(BinaryFrame::release);
            }
        }
        assembler.clear();
        registry.close();
        downloads.clear();
    }
}
