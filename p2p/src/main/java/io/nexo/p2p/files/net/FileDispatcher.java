package io.nexo.p2p.files.net;

import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.BinaryFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes each {@code files/1} frame and hands it to the role that handles it: blocks to the
 * downloads, requests to the chunk and manifest servers, answers to the downloads, catalogs to the
 * announcer. A malformed frame closes the session. Control messages (every frame but blocks) count
 * against the peer's byte rate before they are decoded: over it they are dropped. Blocks are bounded
 * by what was requested instead (a rate would cap downloads).
 */
final class FileDispatcher {

    private static final Logger log = LoggerFactory.getLogger(FileDispatcher.class);

    private final FileSessions sessions;
    private final Downloads downloads;
    private final ChunkServer chunks;
    private final ManifestServer manifests;
    private final Announcer announcer;
    private final PeerAllowance allowance;
    private final FileLimitCounters counters;

    FileDispatcher(FileSessions sessions, Downloads downloads, ChunkServer chunks, ManifestServer manifests,
                   Announcer announcer, PeerAllowance allowance, FileLimitCounters counters) {
        this.sessions = sessions;
        this.downloads = downloads;
        this.chunks = chunks;
        this.manifests = manifests;
        this.announcer = announcer;
        this.allowance = allowance;
        this.counters = counters;
    }

    /** Handles {@code frame} and releases it. */
    void onBinary(PeerSession from, BinaryFrame frame) {
        try {
            sessions.seen(from);
            int bytes = frame.content().readableBytes();
            if (!FileFrames.isBlock(frame.content()) && !allowance.admitControl(from.peerId(), bytes)) {
                counters.trip(FileLimitCounters.Limit.CONTROL_RATE, from, "control frame of " + bytes
                        + " bytes dropped");
                return;
            }
            FileFrames.Decoded decoded = FileFrames.decode(frame.content());
            if (decoded instanceof FileFrames.Block b) {
                downloads.onBlock(from, b);
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
            case GET_MANIFEST -> manifests.onGetManifest(from, FileMessages.fileId(msg.getGetManifest().getId()));
            case MANIFEST -> downloads.manifests().onManifest(peer, msg.getManifest());
            case GET_CHUNK -> chunks.onGetChunk(from, FileMessages.fileId(msg.getGetChunk().getId()),
                    msg.getGetChunk().getIndex());
            case REFUSE -> downloads.onRefuse(peer, msg.getRefuse());
            case CANCEL -> chunks.onCancel(peer, FileMessages.fileId(msg.getCancel().getId()), msg.getCancel().getIndex());
            case GET_HAVE -> manifests.onGetHave(from, FileMessages.fileId(msg.getGetHave().getId()));
            case HAVE -> downloads.onHave(peer, msg.getHave());
            case CATALOG -> announcer.onCatalog(from, msg.getCatalog());
            case BODY_NOT_SET -> log.debug("Ignoring a files/1 message of a newer version from {}", from);
            default -> log.debug("Ignoring files/1 {} from {}", msg.getBodyCase(), from);
        }
    }
}
