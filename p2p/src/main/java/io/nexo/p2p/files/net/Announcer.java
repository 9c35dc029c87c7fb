package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.files.ChunkSource;
import io.nexo.p2p.files.FileCatalog;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.ShareRegistry;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.files.proto.Catalog;
import io.nexo.p2p.files.proto.FileAnnounce;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.FileOffer;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.WireLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node and the network offer: announces this node's offers by gossip (and re-announces
 * them so others do not forget them), learns others' offers into the catalog from announcements
 * and {@code Catalog} frames (within the catalog's caps per source and in all), and tells each new
 * neighbour the catalog in frames of at most {@link #CATALOG_FRAME_BYTES}, within its reply budget.
 * Holders speak only for themselves: an announcement's holder is the broadcast's verified origin,
 * and a catalog carries the sender's own offers plus other holders' signed announcements verbatim
 * ({@link SignedAnnouncements}); an unsigned entry about another holder is ignored.
 */
final class Announcer {

    private static final Logger log = LoggerFactory.getLogger(Announcer.class);

    /** Offers per gossip message. */
    static final int OFFERS_PER_ANNOUNCE = 64;
    /** Addresses of a holder kept from an announcement (as many as a Welcome may list). */
    static final int MAX_HOLDER_ADDRS = 16;
    /** Longest holder address kept: a host name of 253 characters, a colon and a port. */
    static final int MAX_ADDR_CHARS = 262;
    /** Largest {@code Catalog} frame sent, well under the smallest sensible frame limit. */
    static final int CATALOG_FRAME_BYTES = 256 << 10;
    /** Holders whose signed announcements are kept to pass on in catalogs. */
    private static final int MAX_SIGNED_HOLDERS = 1024;

    /** Told when a holder offers a file (to join it to a running download of that file). */
    interface HolderListener {
        void onHolder(FileId id, PeerId holder, List<String> addrs, boolean complete);
    }

    private final PeerNode node;
    private final ShareRegistry registry;
    private final FileCatalog<PeerId> catalog;
    private final FileSessions sessions;
    private final FileLimitCounters counters;
    private final int maxFrameBytes;
    private final SignedAnnouncements signed;
    private volatile HolderListener holders = (id, holder, addrs, complete) -> { };
    private volatile boolean closed;

    /** @param validity how long a holder's signed announcement is passed on and accepted from a catalog */
    Announcer(PeerNode node, ShareRegistry registry, FileCatalog<PeerId> catalog, FileSessions sessions,
              FileLimitCounters counters, Duration validity) {
        this.node = node;
        this.signed = new SignedAnnouncements(validity, MAX_SIGNED_HOLDERS, System::currentTimeMillis);
        this.registry = registry;
        this.catalog = catalog;
        this.sessions = sessions;
        this.counters = counters;
        // room for the frame's kind byte, protocol name and length prefixes
        this.maxFrameBytes = Math.min(CATALOG_FRAME_BYTES, node.config().limits().maxFrameBytes() / 2);
    }

    void onHolder(HolderListener listener) {
        this.holders = listener;
    }

    /**
     * Records the offers of {@code holder}, as {@code source} told this node (the holder's own gossip
     * announcement, or a neighbour's catalog).
     */
    void learn(PeerId source, PeerId holder, FileAnnounce a) {
        if (holder.equals(node.peerId())) {
            return;
        }
        List<String> addrs = a.getHolderAddrsList().stream().filter(s -> s.length() <= MAX_ADDR_CHARS)
                .limit(MAX_HOLDER_ADDRS).toList();
        for (FileOffer o : a.getOffersList()) {
            if (o.getId().size() != FileId.BYTES) {
                continue;
            }
            FileId id = FileId.of(o.getId().toByteArray());
            if (o.getWithdrawn()) {
                catalog.withdraw(holder, id);
                continue;
            }
            FileCatalog.OfferResult result = catalog.offer(source, holder, id, o.getName(), o.getSize(),
                    o.getComplete(), addrs);
            switch (result) {
                case UNSAFE -> log.debug("Ignoring offer {} from {} with unsafe name '{}'", id.shortForm(),
                        holder.shortId(), o.getName().length() > 80 ? o.getName().substring(0, 80) : o.getName());
                case SOURCE_FULL -> counters.trip(FileLimitCounters.Limit.OFFERS_PER_PEER, source.shortId(),
                        "offer of " + id.shortForm() + " by " + holder.shortId() + " ignored: "
                                + catalog.sizeFrom(source) + " records learned through this peer already");
                case FULL -> counters.trip(FileLimitCounters.Limit.OFFERS, source.shortId(), "offer of "
                        + id.shortForm() + " by " + holder.shortId() + " ignored: the catalog holds "
                        + catalog.size() + " records");
                default -> { }
            }
            if (!result.recorded()) {
                continue;
            }
            holders.onHolder(id, holder, addrs, o.getComplete());
        }
    }

    /** A holder's own announcement, delivered as a verified broadcast: learned, and kept to pass on. */
    void onAnnouncement(PeerId holder, FileAnnounce a, byte[] signedBroadcast) {
        learn(holder, holder, a);
        signed.remember(holder, signedBroadcast);
    }

    /** The sender's own offers as sent (its session proves who it is); others' only as their holders signed them. */
    void onCatalog(PeerSession from, Catalog c) {
        for (FileAnnounce a : c.getAnnouncesList()) {
            if (a.getHolderId().equals(from.peerId().value())) {
                learn(from.peerId(), from.peerId(), a);
            } else {
                log.debug("Ignoring an unsigned catalog entry from {} about another holder", from);
            }
        }
        int read = 0;
        for (ByteString raw : c.getSignedAnnouncesList()) {
            if (read++ >= SignedAnnouncements.MAX_PER_CATALOG) {
                break;
            }
            Optional<SignedAnnouncements.Verified> v = signed.verify(raw, FileFrames.PROTOCOL);
            if (v.isEmpty()) {
                log.debug("Ignoring a catalog entry from {}: not a fresh announcement signed by its holder", from);
                continue;
            }
            try {
                learn(from.peerId(), v.get().holder(), FileMessageLimits.check(FileAnnounce.parseFrom(v.get().payload())));
            } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
                log.debug("Malformed signed announcement of {} in {}'s catalog", v.get().holder().shortId(), from);
            }
        }
    }

    /** The offer of {@code s} as this node announces it. */
    static FileOffer offer(ChunkSource s, boolean withdrawn) {
        FileManifest m = s.manifest();
        return FileOffer.newBuilder().setId(FileMessages.raw(m.id())).setName(m.name()).setSize(m.size())
                .setComplete(s instanceof SharedFile).setWithdrawn(withdrawn).build();
    }

    /** Announces {@code offers} by gossip, {@value #OFFERS_PER_ANNOUNCE} per message. */
    void announce(List<FileOffer> offers) {
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

    /** Announces every file this node serves again (timer). */
    void announceAll() {
        try {
            announce(registry.sources().stream().map(s -> offer(s, false)).toList());
        } catch (RuntimeException e) {
            log.warn("Re-announcing files failed: {}", e.toString());
        }
    }

    /** Tells a new neighbour every offer this node knows of, its own included. */
    void sendCatalog(PeerSession s) {
        Catalog.Builder c = Catalog.newBuilder();
        List<FileOffer> own = registry.sources().stream().map(src -> offer(src, false)).toList();
        for (int i = 0; i < own.size(); i += OFFERS_PER_ANNOUNCE) {
            c.addAnnounces(ownAnnounce().addAllOffers(own.subList(i, Math.min(own.size(), i + OFFERS_PER_ANNOUNCE))));
        }
        // other holders' offers only as they signed them: this node cannot vouch for anyone else
        c.addAllSignedAnnounces(signed.forCatalog(s.peerId()));
        sendInFrames(s, c.build());
    }

    /**
     * Sends {@code whole} as {@code Catalog} frames of at most {@link #maxFrameBytes}, each within the
     * peer's reply budget; what does not fit the budget is not sent (the peer learns it from gossip).
     */
    private void sendInFrames(PeerSession s, Catalog whole) {
        Catalog.Builder frame = Catalog.newBuilder();
        int bytes = 0;
        List<Object> entries = new ArrayList<>(whole.getAnnouncesList());
        entries.addAll(whole.getSignedAnnouncesList());
        for (Object entry : entries) {
            int size = (entry instanceof FileAnnounce a ? a.getSerializedSize() : ((ByteString) entry).size())
                    + 4; // tag and length of the repeated field
            // a peer refuses a frame over its limit, and a Catalog of more than 256 entries (both kinds)
            if (bytes > 0 && (bytes + size > maxFrameBytes
                    || frame.getAnnouncesCount() + frame.getSignedAnnouncesCount()
                            >= FileMessageLimits.MAX_CATALOG_ANNOUNCES)) {
                if (!sessions.reply(s, FileMessage.newBuilder().setCatalog(frame).build())) {
                    return;
                }
                frame = Catalog.newBuilder();
                bytes = 0;
            }
            if (entry instanceof FileAnnounce a) {
                frame.addAnnounces(a);
            } else {
                frame.addSignedAnnounces((ByteString) entry);
            }
            bytes += size;
        }
        if (bytes > 0) {
            sessions.reply(s, FileMessage.newBuilder().setCatalog(frame).build());
        }
    }

    void close() {
        closed = true;
    }

    private FileAnnounce.Builder ownAnnounce() {
        return FileAnnounce.newBuilder().setHolderId(node.peerId().value())
                .addAllHolderAddrs(node.advertisedAddresses().stream().limit(WireLimits.MAX_ADDRS)
                        .map(HostAndPort::toString).toList());
    }
}
