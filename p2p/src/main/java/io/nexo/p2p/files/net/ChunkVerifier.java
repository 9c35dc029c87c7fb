package io.nexo.p2p.files.net;

import io.netty.buffer.ByteBuf;
import io.nexo.p2p.files.DownloadSession;
import io.nexo.p2p.identity.PeerId;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes, writes and marks assembled chunks on a pool of one thread per core (up to 4), so the I/O
 * thread goes back to decrypting and the SHA-256 of chunks runs on every core (profiled: on one
 * thread, hash and write capped the download at ~290 MiB/s while the other core idled; see
 * docs/benchmarks.md).
 */
final class ChunkVerifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChunkVerifier.class);

    /**
     * Chunks waiting for the pool: each holds one chunk buffer. The scheduler already bounds chunks
     * in flight; this bound also holds against a peer that pushes chunks nobody asked for. When it
     * is full the I/O thread verifies the chunk itself, which stops it reading (back-pressure).
     */
    static final int VERIFY_QUEUE = 32;

    private final ThreadPoolExecutor pool;

    ChunkVerifier() {
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(VERIFY_QUEUE), FileThreads.daemon("nexo-files-verify"), (task, p) -> {
                    if (p.isShutdown()) {
                        ((VerifyChunk) task).discard();
                    } else {
                        task.run();
                    }
                });
    }

    /** Verifies and stores {@code chunk} (taking ownership of it) as chunk {@code index} from {@code peer}. */
    void submit(DownloadSession<PeerId> session, PeerId peer, int index, ByteBuf chunk) {
        pool.execute(new VerifyChunk(session, peer, index, chunk));
    }

    /** Stores the chunks already queued (up to 5 s); later ones are dropped and fetched again on resume. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Chunks still being verified after 5 s; pausing the downloads anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
                session.onChunk(peer, index, chunk.nioBuffers()); // the chunk's pieces, as they arrived
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
}
