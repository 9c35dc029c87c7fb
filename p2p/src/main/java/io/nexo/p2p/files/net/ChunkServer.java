package io.nexo.p2p.files.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.nexo.p2p.files.ChunkSource;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.RateLimiter;
import io.nexo.p2p.files.ShareRegistry;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.files.UploadSlots;
import io.nexo.p2p.files.proto.Refuse;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.BinaryFrame;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves chunks to peers ({@code GetChunk}, {@code Cancel}) within the upload slots and the upload
 * rate cap. A chunk is read on the session's thread straight from the file into a direct buffer and
 * written as blocks with one flush. A slot is freed when the write completes, or when the peer has
 * taken no block of its uploads within {@link FileLimits#uploadTimeout()}: it is not reading, and its
 * session is closed, so peers that never read cannot hold every slot (a slow reader keeps its slots).
 */
final class ChunkServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChunkServer.class);

    private record UploadKey(PeerId peer, FileId id, int index) {
    }

    /** An upload that holds a slot: which chunk, and on which session. */
    private record Upload(UploadKey key, UploadSlots.Lease<PeerId> lease, PeerSession to) {
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

    private final ShareRegistry registry;
    private final FileSessions sessions;
    private final FileThreads threads;
    private final ByteBufAllocator alloc;
    private final UploadSlots<PeerId> slots;
    private final RateLimiter uploadRate;
    private final LongSupplier nanoTime;
    private final long timeoutNanos;
    private final FileLimitCounters counters;
    private final Set<UploadKey> pending = ConcurrentHashMap.newKeySet();
    /** Uploads being written, by their lease: the timeout finds the session to close here. */
    private final Map<UploadSlots.Lease<PeerId>, Upload> writing = new ConcurrentHashMap<>();
    /** Chunks read and waiting for the upload rate cap; released if the exchange closes first. */
    private final Set<DelayedChunk> delayed = ConcurrentHashMap.newKeySet();
    private final AtomicLong chunksUploaded = new AtomicLong();

    ChunkServer(FileExchangeConfig config, ShareRegistry registry, FileSessions sessions, FileThreads threads,
                ByteBufAllocator alloc, LongSupplier nanoTime, FileLimitCounters counters) {
        this.registry = registry;
        this.sessions = sessions;
        this.threads = threads;
        this.alloc = alloc;
        this.slots = new UploadSlots<>(config.maxUploads(), config.maxUploadsPerPeer());
        this.uploadRate = config.uploadBytesPerSecond() > 0 ? new RateLimiter(config.uploadBytesPerSecond(), nanoTime) : null;
        this.nanoTime = nanoTime;
        this.timeoutNanos = config.limits().uploadTimeout().toNanos();
        this.counters = counters;
    }

    /** {@code GetChunk}: serves the chunk, or refuses it (not shared, not held, no slot free). */
    void onGetChunk(PeerSession from, FileId id, int index) {
        PeerId peer = from.peerId();
        Optional<ChunkSource> src = registry.source(id);
        Refuse.Reason refusal = null;
        UploadSlots.Lease<PeerId> lease = null;
        if (src.isEmpty()) {
            refusal = Refuse.Reason.NOT_SHARED;
        } else if (index < 0 || !src.get().hasChunk(index)) {
            refusal = Refuse.Reason.NOT_HELD;
        } else if ((lease = slots.tryAcquire(peer)) == null) {
            refusal = Refuse.Reason.BUSY;
        }
        if (refusal != null) {
            log.debug("Refusing chunk {} of {} to {}: {}", index, id.shortForm(), from, refusal);
            sessions.reply(from, FileMessages.refuse(id, index, refusal));
            return;
        }
        UploadKey key = new UploadKey(peer, id, index);
        pending.add(key);
        // read on the session's thread, like nginx without aio: shared files are read sequentially
        // and mostly from the page cache, and a hand-off to a disk thread costs more than the read
        upload(new Upload(key, lease, from), src.get());
    }

    /**
     * Frees the slots of uploads whose peer has taken none of their data within the upload timeout
     * and closes those peers' sessions (they do not read). Call about once a second.
     */
    void expireUploads() {
        for (UploadSlots.Lease<PeerId> lease : slots.overdue(nanoTime.getAsLong(), timeoutNanos)) {
            Upload u = writing.remove(lease);
            if (slots.release(lease)) {
                counters.trip(FileLimitCounters.Limit.UPLOAD_TIMEOUT, lease.peer().shortId(), "chunk "
                        + (u == null ? "?" : u.key().index()) + " not taken: no data read for "
                        + timeoutNanos / 1_000_000 + " ms");
                if (u != null) {
                    u.to().close("files/1 upload not read within " + timeoutNanos / 1_000_000 + " ms");
                }
            }
        }
    }

    /** {@code Cancel}: the peer no longer wants the chunk (an upload not yet started is skipped). */
    void onCancel(PeerId peer, FileId id, int index) {
        pending.remove(new UploadKey(peer, id, index));
    }

    /** Upload slots in use now. */
    int inUse() {
        return slots.inUse();
    }

    /** Chunks sent to peers since the exchange started. */
    long chunksUploaded() {
        return chunksUploaded.get();
    }

    /** Reads the chunk straight from the file into a direct buffer and sends it as blocks. */
    private void upload(Upload u, ChunkSource source) {
        UploadKey key = u.key();
        PeerSession to = u.to();
        if (!pending.remove(key) || !to.isOpen()) {
            slots.release(u.lease());
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
                sendLater(u, frames, delay);
            } else {
                sendBlocks(u, frames);
            }
        } catch (IOException | RuntimeException e) {
            slots.release(u.lease());
            log.warn("Cannot serve chunk {} of {} to {}: {}", key.index(), source.manifest().name(), to, e.getMessage());
            sessions.reply(to, FileMessages.refuse(key.id(), key.index(), Refuse.Reason.NOT_SHARED));
            if (e instanceof SharedFile.FileChangedException) {
                registry.unshare(key.id());
            }
        } finally {
            if (data != null) {
                data.release();
            }
        }
    }

    private void sendLater(Upload u, List<BinaryFrame> frames, long delayNanos) {
        DelayedChunk waiting = new DelayedChunk(frames);
        delayed.add(waiting);
        try {
            threads.after(delayNanos, () -> {
                if (delayed.remove(waiting)) {
                    sendBlocks(u, frames);
                }
            });
        } catch (RejectedExecutionException e) {
            if (delayed.remove(waiting)) {
                frames.forEach(BinaryFrame::release);
                slots.release(u.lease());
            }
        }
    }

    private void sendBlocks(Upload u, List<BinaryFrame> frames) {
        PeerSession to = u.to();
        if (!to.isOpen()) {
            frames.forEach(BinaryFrame::release);
            slots.release(u.lease());
            return;
        }
        chunksUploaded.incrementAndGet();
        writing.put(u.lease(), u);
        slots.writing(u.lease(), nanoTime.getAsLong());
        Channel ch = to.channel();
        // all blocks of the chunk with one flush (in one event-loop task when called from elsewhere)
        Runnable write = () -> {
            for (int i = 0; i < frames.size() - 1; i++) {
                // each block the peer takes proves it reads: its uploads are not overdue
                ch.write(frames.get(i)).addListener(f -> {
                    if (f.isSuccess()) {
                        slots.progressed(u.key().peer(), nanoTime.getAsLong());
                    }
                });
            }
            ch.writeAndFlush(frames.get(frames.size() - 1)).addListener(f -> {
                writing.remove(u.lease());
                slots.release(u.lease());
            });
        };
        if (ch.eventLoop().inEventLoop()) {
            write.run();
        } else {
            ch.eventLoop().execute(write);
        }
    }

    /** Releases the chunks still waiting for the rate cap. */
    @Override
    public void close() {
        for (DelayedChunk waiting : List.copyOf(delayed)) {
            if (delayed.remove(waiting)) {
                waiting.frames.forEach(BinaryFrame::release);
            }
        }
    }
}
