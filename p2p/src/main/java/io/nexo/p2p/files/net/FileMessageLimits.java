package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.ProtocolStringList;
import io.nexo.p2p.files.SafeFileName;
import io.nexo.p2p.files.proto.Catalog;
import io.nexo.p2p.files.proto.FileAnnounce;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.Manifest;
import io.nexo.p2p.wire.WireLimits;

/**
 * The bounds of every {@code files/1} field, checked right after parsing (as
 * {@code wire.EnvelopeValidator} does for envelopes), before file exchange looks at a message: a
 * control message that breaks one closes the session, a gossiped announcement that breaks one is
 * dropped (an offer whose own id or name is bad is skipped alone, when it is learned). The same
 * numbers bound what this node sends.
 */
public final class FileMessageLimits {

    /** File ids: exactly one SHA-256. */
    public static final int FILE_ID_BYTES = 32;
    /** Offers in one announcement (a node cuts its own into announcements of this many). */
    public static final int MAX_OFFERS = Announcer.OFFERS_PER_ANNOUNCE;
    /** Announcements (holders) in one Catalog: own and signed ones together. */
    public static final int MAX_CATALOG_ANNOUNCES = 256;

    private FileMessageLimits() {
    }

    /** Throws {@link IllegalArgumentException} naming the field when {@code msg} breaks a bound. */
    public static FileMessage check(FileMessage msg) {
        switch (msg.getBodyCase()) {
            case GET_MANIFEST -> id(msg.getGetManifest().getId(), "GetManifest.id");
            case MANIFEST -> manifest(msg.getManifest());
            case GET_CHUNK -> id(msg.getGetChunk().getId(), "GetChunk.id");
            case REFUSE -> id(msg.getRefuse().getId(), "Refuse.id");
            case CANCEL -> id(msg.getCancel().getId(), "Cancel.id");
            case GET_HAVE -> id(msg.getGetHave().getId(), "GetHave.id");
            case HAVE -> id(msg.getHave().getId(), "Have.id");
            case CATALOG -> catalog(msg.getCatalog());
            default -> {
                // a newer version's message: ignored by file exchange
            }
        }
        return msg;
    }

    /** Throws {@link IllegalArgumentException} when a (gossiped or catalogued) announcement breaks a bound. */
    public static FileAnnounce check(FileAnnounce a) {
        ByteString holder = a.getHolderIdBytes();
        if (holder.size() != io.nexo.p2p.identity.PeerId.LENGTH) {
            throw new IllegalArgumentException("FileAnnounce.holder_id: " + holder.size() + " bytes (expected: a peer id)");
        }
        addrs(a.getHolderAddrsList());
        if (a.getOffersCount() > MAX_OFFERS) {
            throw new IllegalArgumentException("FileAnnounce.offers: " + a.getOffersCount()
                    + " (expected: at most " + MAX_OFFERS + ")");
        }
        // an offer with a bad id or name is skipped on its own when learned (SafeFileName, FileId):
        // one hostile offer does not hide the good ones of the same announcement
        return a;
    }

    private static void catalog(Catalog c) {
        int entries = c.getAnnouncesCount() + c.getSignedAnnouncesCount();
        if (entries > MAX_CATALOG_ANNOUNCES) {
            throw new IllegalArgumentException("Catalog.announces + signed_announces: " + entries
                    + " (expected: at most " + MAX_CATALOG_ANNOUNCES + ")");
        }
        c.getAnnouncesList().forEach(FileMessageLimits::check);
    }

    private static void manifest(Manifest m) {
        id(m.getId(), "Manifest.id");
        name(m.getNameBytes(), "Manifest.name");
        if (m.getChunkHashes().size() % FILE_ID_BYTES != 0) {
            throw new IllegalArgumentException("Manifest.chunk_hashes: " + m.getChunkHashes().size()
                    + " bytes (expected: a multiple of " + FILE_ID_BYTES + ")");
        }
        long chunks = m.getChunkHashes().size() / FILE_ID_BYTES;
        if (m.getHave().size() > (chunks + 7) / 8) {
            throw new IllegalArgumentException("Manifest.have: " + m.getHave().size() + " bytes for " + chunks
                    + " chunks (expected: at most " + (chunks + 7) / 8 + ")");
        }
    }

    private static void id(ByteString id, String field) {
        if (id.size() != FILE_ID_BYTES) {
            throw new IllegalArgumentException(field + ": " + id.size() + " bytes (expected: " + FILE_ID_BYTES + ")");
        }
    }

    private static void name(ByteString utf8, String field) {
        if (utf8.size() > SafeFileName.MAX_BYTES) {
            throw new IllegalArgumentException(field + ": " + utf8.size() + " bytes (expected: at most "
                    + SafeFileName.MAX_BYTES + ")");
        }
    }

    private static void addrs(ProtocolStringList addrs) {
        if (addrs.size() > WireLimits.MAX_ADDRS) {
            throw new IllegalArgumentException("FileAnnounce.holder_addrs: " + addrs.size()
                    + " (expected: at most " + WireLimits.MAX_ADDRS + ")");
        }
        for (ByteString a : addrs.asByteStringList()) {
            if (a.size() > WireLimits.MAX_ADDR_BYTES) {
                throw new IllegalArgumentException("FileAnnounce.holder_addrs: an address of " + a.size()
                        + " bytes (expected: at most " + WireLimits.MAX_ADDR_BYTES + ")");
            }
        }
    }
}
