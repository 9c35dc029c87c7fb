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
 * written as blocks with one flush.
 */
final class ChunkServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChunkServer.class);

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

    private final ShareRegistry registry;
    private final FileSessions sessions;
    private final FileThreads threads;
    private final ByteBufAllocator alloc;
    private final UploadSlots<PeerId> slots;
    private final RateLimiter uploadRate;
    private final Set<UploadKey> pending = ConcurrentHashMap.newKeySet();
    /** Chunks read and waiting for the upload rate cap; released if the exchange closes first. */
    private final Set<DelayedChunk> delayed = ConcurrentHashMap.newKeySet();
    private final AtomicLong chunksUploaded = new AtomicLong();

    ChunkServer(FileExchangeConfig config, ShareRegistry registry, FileSessions sessions, FileThreads threads,
                ByteBufAllocator alloc, LongSupplier nanoTime) {
        this.registry = registry;
        this.sessions = sessions;
        this.threads = threads;
        this.alloc = alloc;
        this.slots = new UploadSlots<>(config.maxUploads(), config.maxUploadsPerPeer());
        this.uploadRate = config.uploadBytesPerSecond() > 0 ? new RateLimiter(config.uploadBytesPerSecond(), nanoTime) : null;
    }

    /** {@code GetChunk}: serves the chunk, or refuses it (not shared, not held, no slot free). */
    void onGetChunk(PeerSession from, FileId id, int index) {
        PeerId peer = from.peerId();
        Optional<ChunkSource> src = registry.source(id);
        Refuse.Reason refusal = null;
        if (src.isEmpty()) {
            refusal = Refuse.Reason.NOT_SHARED;
        } else if (index < 0 || !src.get().hasChunk(index)) {
            refusal = Refuse.Reason.NOT_HELD;
        } else if (!slots.tryAcquire(peer)) {
            refusal = Refuse.Reason.BUSY;
        }
        if (refusal != null) {
            log.debug("Refusing chunk {} of {} to {}: {}", index, id.shortForm(), from, refusal);
            sessions.send(from, FileMessages.refuse(id, index, refusal));
            return;
        }
        UploadKey key = new UploadKey(peer, id, index);
        pending.add(key);
        // read on the session's thread, like nginx without aio: shared files are read sequentially
        // and mostly from the page cache, and a hand-off to a disk thread costs more than the read
        upload(from, key, src.get());
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
    private void upload(PeerSession to, UploadKey key, ChunkSource source) {
        if (!pending.remove(key) || !to.isOpen()) {
            slots.release(key.peer());
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
                sendLater(to, key, frames, delay);
            } else {
                sendBlocks(to, key, frames);
            }
        } catch (IOException | RuntimeException e) {
            slots.release(key.peer());
            log.warn("Cannot serve chunk {} of {} to {}: {}", key.index(), source.manifest().name(), to, e.getMessage());
            sessions.send(to, FileMessages.refuse(key.id(), key.index(), Refuse.Reason.NOT_SHARED));
            if (e instanceof SharedFile.FileChangedException) {
                registry.unshare(key.id());
            }
        } finally {
            if (data != null) {
                data.release();
            }
        }
    }

    private void sendLater(PeerSession to, UploadKey key, List<BinaryFrame> frames, long delayNanos) {
        DelayedChunk waiting = new DelayedChunk(frames);
        delayed.add(waiting);
        try {
            threads.after(delayNanos, () -> {
                if (delayed.remove(waiting)) {
                    sendBlocks(to, key, frames);
                }
            });
        } catch (RejectedExecutionException e) {
            if (delayed.remove(waiting)) {
                frames.forEach(BinaryFrame::release);
                slots.release(key.peer());
            }
        }
    }

    private void sendBlocks(PeerSession to, UploadKey key, List<BinaryFrame> frames) {
        if (!to.isOpen()) {
            frames.forEach(BinaryFrame::release);
            slots.release(key.peer());
            return;
        }
        chunksUploaded.incrementAndGet();
        Channel ch = to.channel();
        // all blocks of the chunk with one flush (in one event-loop task when called from elsewhere)
        Runnable write = () -> {
            for (int i = 0; i < frames.size() - 1; i++) {
                ch.write(frames.get(i), ch.voidPromise());
            }
            ch.writeAndFlush(frames.get(frames.size() - 1)).addListener(f -> slots.release(key.peer()));
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
