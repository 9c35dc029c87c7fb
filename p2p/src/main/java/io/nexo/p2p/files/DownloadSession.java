package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One download from many peers: a {@link ChunkScheduler} decides what to ask whom, a
 * {@link PartialFile} verifies and stores what arrives, a {@link ChunkRequester} carries the
 * requests. The network layer feeds it events ({@link #addSource}, {@link #onChunk},
 * {@link #onRefused}, {@link #onPeerGone}, and {@link #tick} about once a second for timeouts).
 *
 * <p>Hashing and writing a chunk happen outside the session lock, so chunks from several peers
 * are verified in parallel; scheduling decisions are serialised.
 *
 * @param <P> how the caller names a peer
 */
public final class DownloadSession<P> {

    private static final Logger log = LoggerFactory.getLogger(DownloadSession.class);

    /** Lifecycle of a download. */
    public enum State {
        RUNNING, VERIFYING, COMPLETE, FAILED, CANCELLED, PAUSED
    }

    private final PartialFile part;
    private final FileManifest manifest;
    private final ChunkRequester<P> requester;
    private final DownloadListener listener;
    private final ChunkScheduler<P> scheduler;
    private final TransferRate rate;
    private final java.util.function.Predicate<Runnable> finisher;
    private State state = State.RUNNING;
    private Path completedPath;
    private Exception failure;

    /**
     * @param finisher runs the final check (root hash from the chunk hashes, file length; a flush
     *                 and a rename) off the thread that delivered the last chunk; returns false when
     *                 it cannot (shutting down)
     */
    public DownloadSession(PartialFile part, ChunkRequester<P> requester, DownloadListener listener,
                           SchedulerConfig config, LongSupplier nanoTime, Random random,
                           java.util.function.Predicate<Runnable> finisher) {
        this.finisher = Objects.requireNonNull(finisher, "finisher");
        this.part = Objects.requireNonNull(part, "part");
        this.manifest = part.manifest();
        this.requester = Objects.requireNonNull(requester, "requester");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.scheduler = new ChunkScheduler<>(manifest.chunkCount(), part.held(), config, nanoTime, random);
        this.rate = new TransferRate(nanoTime, TimeUnit.SECONDS.toNanos(5));
    }

    public FileId id() {
        return manifest.id();
    }

    public FileManifest manifest() {
        return manifest;
    }

    /** The partial file: also a {@link ChunkSource} of the chunks held so far. */
    public PartialFile partialFile() {
        return part;
    }

    public synchronized State state() {
        return state;
    }

    /** The final path once {@link State#COMPLETE}. */
    public synchronized Path completedPath() {
        return completedPath;
    }

    /** Why the download stopped when {@link State#FAILED}. */
    public synchronized Exception failure() {
        return failure;
    }

    /**
     * Starts (or, after a restart, resumes) the download: an empty file completes at once.
     */
    public void start() {
        boolean finishNow;
        synchronized (this) {
            finishNow = state == State.RUNNING && scheduler.isComplete();
            if (finishNow) {
                state = State.VERIFYING;
            }
        }
        if (finishNow) {
            finish();
        }
    }

    /** {@code peer} holds {@code chunks} of this file. */
    public void addSource(P peer, BitSet chunks) {
        List<ChunkScheduler.Request<P>> send;
        synchronized (this) {
            if (state != State.RUNNING || !scheduler.addPeer(peer, chunks)) {
                return;
            }
            send = scheduler.schedule();
        }
        sendRequests(send);
    }

    /** {@code peer} now also holds {@code chunk}. */
    public void sourceHas(P peer, int chunk) {
        if (chunk < 0 || chunk >= manifest.chunkCount()) {
            return;
        }
        BitSet one = new BitSet();
        one.set(chunk);
        addSource(peer, one);
    }

    /**
     * {@code peer} delivered {@code data} (the remaining bytes of the parts, in order) as chunk
     * {@code chunk}. The data is verified and written before this returns; the buffers are not
     * retained.
     */
    public void onChunk(P peer, int chunk, ByteBuffer... data) {
        if (chunk < 0 || chunk >= manifest.chunkCount()) {
            log.warn("Peer {} sent chunk {} of {}, which has only {} chunks: dropped from this download",
                    peer, chunk, manifest.name(), manifest.chunkCount());
            List<ChunkScheduler.Request<P>> cancels;
            synchronized (this) {
                cancels = scheduler.drop(peer);
            }
            sendCancels(cancels);
            return;
        }
        synchronized (this) {
            if (state != State.RUNNING || scheduler.isDropped(peer)) {
                return; // chunks still in the pipe from a peer already dropped are not even hashed
            }
        }
        PartialFile.WriteResult result;
        try {
            result = part.write(chunk, data);
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (result == PartialFile.WriteResult.CLOSED) {
            return; // the download ended while this chunk was verified (an endgame duplicate, a pause)
        }
        if (result == PartialFile.WriteResult.STORED) {
            rate.add(manifest.chunkLength(chunk));
            listener.onChunkStored(manifest.id(), chunk);
        }
        List<ChunkScheduler.Request<P>> cancels;
        List<ChunkScheduler.Request<P>> send;
        boolean finishNow = false;
        synchronized (this) {
            if (state != State.RUNNING) {
                return;
            }
            ChunkScheduler.Arrival<P> arrival = scheduler.onReceived(peer, chunk,
                    result != PartialFile.WriteResult.CORRUPT);
            if (result == PartialFile.WriteResult.CORRUPT) {
                log.warn("Peer {} sent chunk {} of {} ({}) that fails its SHA-256: dropped from this download,"
                        + " chunk fetched elsewhere", peer, chunk, manifest.name(), manifest.id().shortForm());
            }
            cancels = arrival.cancels();
            if (scheduler.isComplete()) {
                state = State.VERIFYING;
                finishNow = true;
                send = List.of();
            } else {
                send = scheduler.schedule();
            }
        }
        sendCancels(cancels);
        sendRequests(send);
        listener.onProgress(progress());
        if (finishNow && !finisher.test(this::finish)) {
            log.info("Download of {} complete but not yet checked: the node is stopping", manifest.name());
        }
    }

    /** Drops {@code peer} from this download for good (it broke the protocol), saying why in the log. */
    public void dropPeer(P peer, String reason) {
        log.warn("Peer {} dropped from download of {}: {}", peer, manifest.name(), reason);
        List<ChunkScheduler.Request<P>> cancels;
        List<ChunkScheduler.Request<P>> send;
        synchronized (this) {
            cancels = scheduler.drop(peer);
            send = state == State.RUNNING ? scheduler.schedule() : List.of();
        }
        sendCancels(cancels);
        sendRequests(send);
    }

    /** True when {@code peer} was dropped from this download (bad data, protocol error, timeouts). */
    public synchronized boolean isDropped(P peer) {
        return scheduler.isDropped(peer);
    }

    /** True when {@code peer} serves this download now. */
    public synchronized boolean hasSource(P peer) {
        return scheduler.peers().contains(peer);
    }

    /** {@code peer} refused {@code chunk} (does not hold it, or is busy). */
    public void onRefused(P peer, int chunk) {
        rescheduleAfter(chunk, () -> scheduler.onRefused(peer, chunk));
    }

    /** {@code peer} is busy (no upload slot): asked again after a short pause, or others meanwhile. */
    public void onBusy(P peer, int chunk) {
        rescheduleAfter(chunk, () -> scheduler.onBusy(peer, chunk));
    }

    /** Applies a peer's answer about {@code chunk} to the scheduler (while running) and sends what follows. */
    private void rescheduleAfter(int chunk, Runnable answer) {
        if (chunk < 0 || chunk >= manifest.chunkCount()) {
            return;
        }
        List<ChunkScheduler.Request<P>> send;
        synchronized (this) {
            if (state != State.RUNNING) {
                return;
            }
            answer.run();
            send = scheduler.schedule();
        }
        sendRequests(send);
    }

    /** {@code peer} disconnected or stopped offering the file: its requests go to others. */
    public void onPeerGone(P peer) {
        List<ChunkScheduler.Request<P>> send;
        synchronized (this) {
            List<ChunkScheduler.Request<P>> released = scheduler.removePeer(peer);
            if (!released.isEmpty()) {
                log.info("Peer {} left during download of {}: {} requests reassigned", peer, manifest.name(),
                        released.size());
            }
            send = state == State.RUNNING ? scheduler.schedule() : List.of();
        }
        sendRequests(send);
    }

    /** Expires overdue requests and reassigns them; call about once a second. */
    public void tick() {
        List<ChunkScheduler.Request<P>> cancels;
        List<ChunkScheduler.Request<P>> send;
        synchronized (this) {
            if (state != State.RUNNING) {
                return;
            }
            cancels = scheduler.expire();
            send = scheduler.schedule();
        }
        if (!cancels.isEmpty()) {
            log.info("{} requests for {} timed out: asked elsewhere", cancels.size(), manifest.name());
        }
        sendCancels(cancels);
        sendRequests(send);
    }

    /** Abandons the download: withdraws requests and deletes the partial file and its state. */
    public void cancel() {
        stop(State.CANCELLED);
        try {
            part.discard();
        } catch (IOException e) {
            log.warn("Removing the partial file of {} failed: {}", manifest.name(), e.toString());
        }
    }

    /** Stops the download but keeps its state so a later start resumes it (node shutdown). */
    public void pause() {
        stop(State.PAUSED);
        try {
            part.close();
        } catch (IOException e) {
            log.warn("Closing the partial file of {} failed: {}", manifest.name(), e.toString());
        }
    }

    /** Current progress. */
    public DownloadProgress progress() {
        synchronized (this) {
            long done = part.bytesHeld();
            Map<String, Long> byPeer = new LinkedHashMap<>();
            scheduler.receivedByPeer().forEach((p, n) -> byPeer.put(String.valueOf(p), n));
            return new DownloadProgress(manifest.id(), manifest.name(), manifest.size(), done,
                    scheduler.chunksDone(), manifest.chunkCount(), rate.bytesPerSecond(),
                    rate.etaSeconds(manifest.size() - done), scheduler.peers().size(), byPeer, state);
        }
    }

    /** Chunks received from each peer (valid first copies) since the download (re)started. */
    public synchronized Map<P, Long> chunksByPeer() {
        return Map.copyOf(scheduler.receivedByPeer());
    }

    private void stop(State newState) {
        List<ChunkScheduler.Request<P>> cancels = new ArrayList<>();
        synchronized (this) {
            if (state == State.COMPLETE || state == State.CANCELLED) {
                return;
            }
            state = newState;
            for (P p : List.copyOf(scheduler.peers())) {
                cancels.addAll(scheduler.removePeer(p));
            }
        }
        sendCancels(cancels);
    }

    private void finish() {
        try {
            Path path = part.finish();
            synchronized (this) {
                state = State.COMPLETE;
                completedPath = path;
            }
            listener.onProgress(progress());
            listener.onComplete(manifest.id(), path);
        } catch (IOException e) {
            BitSet held = part.held();
            List<ChunkScheduler.Request<P>> send = List.of();
            if (!part.isComplete()) {
                // the final check found chunks missing from the part file: fetch them again
                log.warn("{}", e.getMessage());
                synchronized (this) {
                    for (int c = held.nextClearBit(0); c < manifest.chunkCount(); c = held.nextClearBit(c + 1)) {
                        scheduler.markMissing(c);
                    }
                    state = State.RUNNING;
                    send = scheduler.schedule();
                }
                sendRequests(send);
            } else {
                fail(e);
            }
        }
    }

    private void fail(Exception e) {
        synchronized (this) {
            if (state == State.FAILED || state == State.CANCELLED || state == State.COMPLETE) {
                return; // a finished download never turns into a failed one
            }
            state = State.FAILED;
            failure = e;
        }
        log.error("Download of {} ({}) stopped: {}", manifest.name(), manifest.id().shortForm(), e.getMessage());
        stop(State.FAILED);
        try {
            part.close(); // the state stays on disk: fetching the same id again resumes
        } catch (IOException closeFailure) {
            e.addSuppressed(closeFailure);
        }
        listener.onFailed(manifest.id(), e);
    }

    private void sendRequests(List<ChunkScheduler.Request<P>> requests) {
        for (ChunkScheduler.Request<P> r : requests) {
            requester.request(r.peer(), manifest.id(), r.chunk());
        }
    }

    private void sendCancels(List<ChunkScheduler.Request<P>> cancels) {
        for (ChunkScheduler.Request<P> r : cancels) {
            requester.cancel(r.peer(), manifest.id(), r.chunk());
        }
    }
}
