package io.nexo.p2p.files.net;

import io.netty.buffer.ByteBuf;
import io.nexo.p2p.files.DownloadSession;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where received blocks go: a block is assembled only when its chunk was requested of that peer
 * ({@link RequestedChunks}), so what a peer can make this node hold is what it was asked for; whole
 * chunks go to the verifier. A block of a chunk cancelled lately is dropped quietly; any other is
 * dropped and counted, and a peer that sends more than {@link FileLimits#maxUnrequestedBlocks()}
 * loses its session.
 */
final class BlockIntake {

    private static final Logger log = LoggerFactory.getLogger(BlockIntake.class);

    private final RequestedChunks requested;
    private final BlockAssembler<PeerId> assembler;
    private final ChunkVerifier verifier;
    private final FileThreads threads;
    private final FileLimitCounters counters;
    private final int maxUnrequested;

    BlockIntake(BlockAssembler<PeerId> assembler, ChunkVerifier verifier, FileThreads threads,
                FileLimitCounters counters, FileLimits limits, LongSupplier nanoTime) {
        this.requested = new RequestedChunks(nanoTime);
        this.assembler = assembler;
        this.verifier = verifier;
        this.threads = threads;
        this.counters = counters;
        this.maxUnrequested = limits.maxUnrequestedBlocks();
    }

    /** Chunk {@code index} of {@code id} is about to be requested of {@code peer}. */
    void requested(PeerId peer, FileId id, int index) {
        requested.requested(peer, id, index);
    }

    /** The request was cancelled: what was received of it is dropped, and its late blocks tolerated. */
    void cancelled(PeerId peer, FileId id, int index, int chunkLength) {
        requested.cancelled(peer, id, index, chunkLength);
        assembler.discard(peer, id, index);
    }

    /** The peer left: what it was sending is dropped and its requests forgotten. */
    void forget(PeerId peer) {
        assembler.discard(peer);
        requested.forget(peer);
    }

    /** Forgets requests long unanswered (timer). */
    void expire() {
        requested.expire();
    }

    /** A block from {@code from} (taking ownership of its data), for {@code download} (null if none runs). */
    void onBlock(PeerSession from, FileFrames.Block b, DownloadSession<PeerId> download) {
        PeerId peer = from.peerId();
        RequestedChunks.Verdict verdict = requested.check(peer, b.id(), b.index(), b.data().readableBytes());
        if (verdict != RequestedChunks.Verdict.REQUESTED) {
            b.data().release();
            if (verdict == RequestedChunks.Verdict.UNREQUESTED) {
                unrequested(from, b);
            }
            return;
        }
        FileManifest m = download == null ? null : download.manifest();
        if (m == null || b.index() >= m.chunkCount() || download.isDropped(peer)) {
            log.debug("Ignoring block {}@{} from {}", b.index(), b.offset(), from);
            b.data().release(); // late block of a finished or cancelled download, or of a dropped peer
            return;
        }
        Optional<ByteBuf> chunk;
        try {
            chunk = assembler.add(peer, b.id(), b.index(), b.offset(), b.data(), m.chunkLength(b.index()));
        } catch (IllegalArgumentException e) {
            threads.onWriters(() -> download.dropPeer(peer, e.getMessage()));
            return;
        }
        chunk.ifPresent(c -> {
            requested.arrived(peer, b.id(), b.index());
            verifier.submit(download, peer, b.index(), c);
        });
    }

    private void unrequested(PeerSession from, FileFrames.Block b) {
        int strikes = requested.strike(from.peerId());
        counters.trip(FileLimitCounters.Limit.UNREQUESTED_BLOCK, from, "block " + b.index() + "@" + b.offset()
                + " of " + b.id().shortForm() + " was not requested (" + strikes + " from this peer)");
        if (strikes > maxUnrequested) {
            counters.trip(FileLimitCounters.Limit.UNREQUESTED_CLOSE, from, strikes + " unrequested blocks");
            from.close("more than " + maxUnrequested + " unrequested files/1 blocks");
        }
    }
}
