package io.nexo.p2p.node;

import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.Backoff;
import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.relay.RelayPath;
import io.nexo.p2p.session.PeerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * What happens when a session is established or ends: duplicate resolution, admission by the
 * {@link ConnectionManager} (and trimming the inbound peers it names), the session table, the
 * address book, gossip membership, bootstrap bookkeeping and the user's events. Control loop only.
 */
final class SessionLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SessionLifecycle.class);
    static final String DUPLICATE = "duplicate connection";

    private final Backoff backoff;
    private final long replacedGraceMillis;
    private final ConnectionManager connections;
    private final ConnectionStats stats;
    private final LogThrottle refusedLog = LogThrottle.perSecond();
    private final LogThrottle trimmedLog = LogThrottle.perSecond();
    private final ControlLoop control;
    private final SessionTable sessions;
    private final Dialler dialler;
    private final BootstrapPeers bootstrap;
    private final AddressBook book;
    private final GossipRouter router;
    private final AddressExchange exchange;
    private final Clock clock;
    private final Random random;
    private final EventSink events;
    private final BooleanSupplier stopped;

    SessionLifecycle(Backoff backoff, long replacedGraceMillis, ConnectionManager connections, ConnectionStats stats,
                     ControlLoop control, SessionTable sessions, Dialler dialler, BootstrapPeers bootstrap,
                     AddressBook book, GossipRouter router, AddressExchange exchange, Clock clock, Random random,
                     EventSink events, BooleanSupplier stopped) {
        this.backoff = backoff;
        this.replacedGraceMillis = replacedGraceMillis;
        this.connections = connections;
        this.stats = stats;
        this.control = control;
        this.sessions = sessions;
        this.dialler = dialler;
        this.bootstrap = bootstrap;
        this.book = book;
        this.router = router;
        this.exchange = exchange;
        this.clock = clock;
        this.random = random;
        this.events = events;
        this.stopped = stopped;
    }

    void established(PeerSession s) {
        Dialler.Dial dial = dialler.take(s.channel());
        if (stopped.getAsBoolean()) {
            s.close("peer stopped");
            return;
        }
        if (s.listenAddrs().size() > AddressExchange.MAX_ADDRS) {
            // a peer has a few addresses; thousands are an attack on every node it is passed to
            log.warn("refusing {}: {} listen addresses (expected: at most {})", s, s.listenAddrs().size(),
                    AddressExchange.MAX_ADDRS);
            s.close("too many listen addresses");
            if (dial != null) {
                dial.result().completeExceptionally(new PeerException("the peer announced too many addresses"));
            }
            return;
        }
        PeerSession existing = sessions.get(s.peerId());
        if (existing != null && existing.isOpen()) {
            PeerSession keep = sessions.duplicateWinner(existing, s);
            PeerSession drop = keep == existing ? s : existing;
            log.debug("duplicate session with {}: keeping {} one", s.peerId().shortId(),
                    keep.outbound() ? "outbound" : "inbound");
            sessions.put(keep);
            if (keep != existing) {
                connections.added(keep.peerId(), keep.outbound(), RelayPath.isRelayed(keep.channel()), remoteIp(keep));
            }
            drop.close(DUPLICATE);
            if (dial != null) {
                dial.result().complete(PeerInfo.of(keep));
            }
            return;
        }
        boolean relayed = RelayPath.isRelayed(s.channel());
        ConnectionManager.Decision decision = connections.decide(s.peerId(), s.outbound(), relayed);
        if (!decision.admit()) {
            stats.refusedFull.increment();
            long unlogged = refusedLog.allow();
            if (unlogged >= 0) {
                log.warn("refusing {}: no room ({} inbound, {} of them relayed, {} outbound, none may be trimmed; {} "
                        + "more refused since the last such line)", s, connections.inboundCount(),
                        connections.relayedInboundCount(), connections.outboundCount(), unlogged);
            }
            s.close("peer limit reached");
            if (dial != null) {
                dial.result().completeExceptionally(new PeerException("this node has its maximum of peers"));
            }
            return;
        }
        for (PeerId victim : decision.evict()) {
            trim(sessions.get(victim));
        }
        sessions.put(s);
        connections.added(s.peerId(), s.outbound(), relayed, remoteIp(s));
        book.learn(s.peerId(), s.name(), PeerAddresses.dialable(s), clock.millis());
        book.succeeded(s.peerId());
        book.changed();
        if (dial != null) {
            bootstrap.connected(dial.target(), s.peerId());
        }
        router.peerUp(s.peerId());
        if (sessions.takeReplaced(s.peerId()) != null) {
            log.debug("{}: the surviving duplicate session is up", s);
        } else {
            log.info("connected to {} ({}, {})", s, s.outbound() ? "outbound" : "inbound", s.peerId());
            events.emit(new PeerEvent.PeerConnected(PeerInfo.of(s)));
        }
        if (dial != null) {
            dial.result().complete(PeerInfo.of(s));
        }
        exchange.ask(s);
    }

    void closed(PeerSession s, String reason) {
        exchange.forget(s);
        if (sessions.isCurrent(s)) {
            removed(s, reason);
        }
        // otherwise a refused duplicate or a trimmed peer: already accounted for
    }

    /** Closes an inbound peer the connection manager chose to make room. */
    private void trim(PeerSession victim) {
        if (victim == null) {
            return;
        }
        stats.evicted.increment();
        long unlogged = trimmedLog.allow();
        if (unlogged >= 0) {
            log.info("trimming inbound peer {} to make room ({} more trimmed since the last such line)", victim,
                    unlogged);
        }
        String reason = "trimmed to make room for other peers";
        removed(victim, reason);
        victim.close(reason);
    }

    private void removed(PeerSession s, String reason) {
        sessions.remove(s);
        connections.removed(s.peerId());
        router.peerDown(s.peerId());
        if (reason.endsWith(DUPLICATE)) {
            // the peer kept our other connection, whose handshake is not done here yet: report
            // nothing unless it fails to arrive
            sessions.markReplaced(PeerInfo.of(s));
            control.schedule(() -> {
                PeerInfo gone = sessions.takeReplaced(s.peerId());
                if (gone != null && !sessions.contains(s.peerId())) {
                    events.emit(new PeerEvent.PeerDisconnected(gone, reason));
                }
            }, replacedGraceMillis);
            return;
        }
        book.learn(s.peerId(), s.name(), List.of(), clock.millis());
        // do not redial at once: the peer may just have stopped
        book.failed(s.peerId(), backoff, random, clock.millis());
        book.changed();
        log.info("disconnected from {}: {}", s, reason);
        events.emit(new PeerEvent.PeerDisconnected(PeerInfo.of(s), reason));
    }

    /** The node stops: says goodbye to every peer, abandons dials, saves the book; the channels closing. */
    List<io.netty.channel.ChannelFuture> closeAll() {
        List<io.netty.channel.ChannelFuture> closing = new java.util.ArrayList<>();
        for (PeerSession s : sessions.all()) {
            s.close("peer stopped");
            closing.add(s.channel().closeFuture());
        }
        closing.addAll(dialler.closeAll());
        book.save();
        return closing;
    }

    private static InetAddress remoteIp(PeerSession s) {
        return s.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress() : InetAddress.getLoopbackAddress();
    }
}
