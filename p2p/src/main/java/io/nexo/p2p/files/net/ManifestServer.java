package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import io.nexo.p2p.files.ChunkSource;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.PartialFile;
import io.nexo.p2p.files.ShareRegistry;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.Have;
import io.nexo.p2p.files.proto.Manifest;
import io.nexo.p2p.session.PeerSession;
import java.util.Optional;

/**
 * Answers what a holder says about a file it shares: its manifest ({@code GetManifest}) and chunk
 * bitmap ({@code GetHave}), within the asking peer's reply budget (a request beyond is dropped).
 */
final class ManifestServer {

    private final ShareRegistry registry;
    private final FileSessions sessions;

    ManifestServer(ShareRegistry registry, FileSessions sessions) {
        this.registry = registry;
        this.sessions = sessions;
    }

    void onGetManifest(PeerSession from, FileId id) {
        Optional<ChunkSource> src = registry.source(id);
        if (src.isEmpty()) {
            sessions.reply(from, FileMessages.refuseManifest(id));
            return;
        }
        sessions.reply(from, "MANIFEST", () -> {
            FileManifest m = src.get().manifest();
            boolean complete = src.get() instanceof SharedFile;
            Manifest.Builder b = Manifest.newBuilder().setId(FileMessages.raw(id)).setName(m.name())
                    .setSize(m.size()).setChunkSize(m.chunkSize()).setChunkHashes(ByteString.copyFrom(m.chunkHashes()))
                    .setComplete(complete);
            if (!complete && src.get() instanceof PartialFile p) {
                b.setHave(ByteString.copyFrom(p.held().toByteArray()));
            }
            return FileMessage.newBuilder().setManifest(b).build();
        });
    }

    void onGetHave(PeerSession from, FileId id) {
        sessions.reply(from, "HAVE", () -> {
            Optional<ChunkSource> src = registry.source(id);
            Have.Builder b = Have.newBuilder().setId(FileMessages.raw(id));
            if (src.isPresent() && src.get() instanceof SharedFile) {
                b.setComplete(true);
            } else if (src.isPresent() && src.get() instanceof PartialFile p) {
                b.setHave(ByteString.copyFrom(p.held().toByteArray()));
            }
            return FileMessage.newBuilder().setHave(b).build();
        });
    }
}
