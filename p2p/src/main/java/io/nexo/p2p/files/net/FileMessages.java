package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.proto.Cancel;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.GetChunk;
import io.nexo.p2p.files.proto.GetHave;
import io.nexo.p2p.files.proto.GetManifest;
import io.nexo.p2p.files.proto.Refuse;

/** Builders of the small {@code files/1} control messages, and the file id check of received ones. */
final class FileMessages {

    private FileMessages() {
    }

    static ByteString raw(FileId id) {
        return ByteString.copyFrom(id.bytes());
    }

    /** The id in a received message, checked for its length. */
    static FileId fileId(ByteString raw) {
        if (raw.size() != FileId.BYTES) {
            throw new IllegalArgumentException("file id of " + raw.size() + " bytes (expected: " + FileId.BYTES + ")");
        }
        return FileId.of(raw.toByteArray());
    }

    static FileMessage getManifest(FileId id) {
        return FileMessage.newBuilder().setGetManifest(GetManifest.newBuilder().setId(raw(id))).build();
    }

    static FileMessage getHave(FileId id) {
        return FileMessage.newBuilder().setGetHave(GetHave.newBuilder().setId(raw(id))).build();
    }

    static FileMessage getChunk(FileId id, int index) {
        return FileMessage.newBuilder().setGetChunk(GetChunk.newBuilder().setId(raw(id)).setIndex(index)).build();
    }

    static FileMessage cancel(FileId id, int index) {
        return FileMessage.newBuilder().setCancel(Cancel.newBuilder().setId(raw(id)).setIndex(index)).build();
    }

    /** A refusal of chunk {@code index}. */
    static FileMessage refuse(FileId id, int index, Refuse.Reason reason) {
        return FileMessage.newBuilder().setRefuse(Refuse.newBuilder().setId(raw(id)).setIndex(index)
                .setReason(reason)).build();
    }

    /** A refusal of a manifest request: this node does not share {@code id}. */
    static FileMessage refuseManifest(FileId id) {
        return FileMessage.newBuilder().setRefuse(Refuse.newBuilder().setId(raw(id))
                .setReason(Refuse.Reason.NOT_SHARED).setManifest(true)).build();
    }
}
