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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node and the network offer: announces this node's offers by gossip (and re-announces
 * them so others do not forget them), learns others' offers into the catalog from announcements
 * and {@code Catalog} frames, and tells each new neighbour the catalog.
 */
final class Announcer {

    private static final Logger log = LoggerFactory.getLogger(Announcer.class);

    /** Offers per gossip message. */
    static final int OFFERS_PER_ANNOUNCE = 64;

    /** Told when a holder offers a file (to join it to a running download of that file). */
    interface HolderListener {
        void onHolder(FileId id, PeerId holder, List<String> addrs, boolean complete);
    }

    private final PeerNode node;
    private final ShareRegistry registry;
    private final FileCatalog<PeerId> catalog;
    private final FileSessions sessions;
    private volatile HolderListener holders = (id, holder, addrs, complete) -> { };
    private volatile boolean closed;

    Announcer(PeerNode node, ShareRegistry registry, FileCatalog<PeerId> catalog, FileSessions sessions) {
        this.node = node;
        this.registry = registry;
        this.catalog = catalog;
        this.sessions = sessions;
    }

    void onHolder(HolderListener listener) {
        this.holders = listener;
    }

    /** Records the offers of {@code holder} (from its gossip announcement, or a neighbour's catalog). */
    void learn(PeerId holder, FileAnnounce a) {
        if (holder.equals(node.peerId())) {
            return;
        }
        List<String> addrs = a.getHolderAddrsList();
        for (FileOffer o : a.getOffersList()) {
            if (o.getId().size() != FileId.BYTES) {
                continue;
            }
            FileId id = FileId.of(o.getId().toByteArray());
            if (o.getWithdrawn()) {
                catalog.withdraw(holder, id);
                continue;
            }
            if (!catalog.offer(holder, id, o.getName(), o.getSize(), o.getComplete(), addrs)) {
                log.debug("Ignoring offer {} from {} with unsafe name '{}'", id.shortForm(), holder.shortId(),
                        o.getName().length() > 80 ? o.getName().substring(0, 80) : o.getName());
                continue;
            }
            holders.onHolder(id, holder, addrs, o.getComplete());
        }
    }

    /** A {@code Catalog} frame from a neighbour: each announcement names its holder. */
    void onCatalog(PeerSession from, Catalog c) {
        for (FileAnnounce a : c.getAnnouncesList()) {
            try {
                learn(PeerId.parse(a.getHolderId()), a);
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
        if (c.getAnnouncesCount() > 0) {
            sessions.send(s, FileMessage.newBuilder().setCatalog(c).build());
        }
    }

    void close() {
        closed = true;
    }

    private FileAnnounce.Builder ownAnnounce() {
        return FileAnnounce.newBuilder().setHolderId(node.peerId().value())
                .addAllHolderAddrs(node.advertisedAddresses().stream().map(HostAndPort::toString).toList());
    }
}
