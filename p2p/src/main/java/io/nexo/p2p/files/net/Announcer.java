package io.nexo.p2p.files.net;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node and the network offer: announces this node's offers by gossip (and re-announces
 * them so others do not forget them), learns others' offers into the catalog from announcements
 * and {@code Catalog} frames (within the catalog's caps per source and in all), and tells each new
 * neighbour the catalog in frames of at most {@link #CATALOG_FRAME_BYTES}, within its reply budget.
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
    private volatile HolderListener holders = (id, holder, addrs, complete) -> { };
    private volatile boolean closed;

    Announcer(PeerNode node, ShareRegistry registry, FileCatalog<PeerId> catalog, FileSessions sessions,
              FileLimitCounters counters) {
        this.node = node;
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

    /** A {@code Catalog} frame from a neighbour: each announcement names its holder. */
    void onCatalog(PeerSession from, Catalog c) {
        for (FileAnnounce a : c.getAnnouncesList()) {
            try {
                learn(from.peerId(), PeerId.parse(a.getHolderId()), a);
            } catch (IllegalArgumentException e) {
                log.debug("Catalog from {} names a bad peer id: {}", from, e.getMessage());
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
        Map<PeerId, FileAnnounce.Builder> byHolder = new LinkedHashMap<>();
        for (FileCatalog.Entry<PeerId> e : catalog.entries()) {
            for (FileCatalog.Holder<PeerId> h : e.holders()) {
                if (h.peer().equals(s.peerId())) {
                    continue;
                }
                FileAnnounce.Builder b = byHolder.computeIfAbsent(h.peer(), p -> FileAnnounce.newBuilder()
                        .setHolderId(p.value()).addAllHolderAddrs(h.addrs()));
                if (b.getOffersCount() < OFFERS_PER_ANNOUNCE) {
                    b.addOffers(FileOffer.newBuilder().setId(FileMessages.raw(e.id())).setName(e.name())
                            .setSize(e.size()).setComplete(h.complete()));
                }
            }
        }
        byHolder.values().forEach(c::addAnnounces);
        sendInFrames(s, c.build());
    }

    /**
     * Sends {@code whole} as {@code Catalog} frames of at most {@link #maxFrameBytes}, each within the
     * peer's reply budget; what does not fit the budget is not sent (the peer learns it from gossip).
     */
    private void sendInFrames(PeerSession s, Catalog whole) {
        Catalog.Builder frame = Catalog.newBuilder();
        int bytes = 0;
        for (FileAnnounce a : whole.getAnnouncesList()) {
            int size = a.getSerializedSize() + 4; // tag and length of the repeated field
            // a peer refuses a frame over its limit, and a Catalog of more than 256 announcements
            if (bytes > 0 && (bytes + size > maxFrameBytes
                    || frame.getAnnouncesCount() >= FileMessageLimits.MAX_CATALOG_ANNOUNCES)) {
                if (!sessions.reply(s, FileMessage.newBuilder().setCatalog(frame).build())) {
                    return;
                }
                frame = Catalog.newBuilder();
                bytes = 0;
            }
            frame.addAnnounces(a);
            bytes += size;
        }
        if (frame.getAnnouncesCount() > 0) {
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
