package io.nexo.p2p.node;

import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.session.PeerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * What happens when a session is established or ends: duplicate resolution, the peer limit, the
 * session table, the address book, gossip membership, bootstrap bookkeeping and the user's events.
 * Control loop only.
 */
final class SessionLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SessionLifecycle.class);
    static final String DUPLICATE = "duplicate connection";

    private final DiscoveryParams params;
    private final long replacedGraceMillis;
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

    SessionLifecycle(DiscoveryParams params, long replacedGraceMillis, ControlLoop control, SessionTable sessions,
                     Dialler dialler, BootstrapPeers bootstrap, AddressBook book, GossipRouter router,
                     AddressExchange exchange, Clock clock, Random random, EventSink events, BooleanSupplier stopped) {
        this.params = params;
        this.replacedGraceMillis = replacedGraceMillis;
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
        PeerSession existing = sessions.get(s.peerId());
        if (existing != null && existing.isOpen()) {
            PeerSession keep = sessions.duplicateWinner(existing, s);
            PeerSession drop = keep == existing ? s : existing;
            log.debug("duplicate session with {}: keeping {} one", s.peerId().shortId(),
                    keep.outbound() ? "outbound" : "inbound");
            sessions.put(keep);
            drop.close(DUPLICATE);
            if (dial != null) {
                dial.result().complete(PeerInfo.of(keep));
            }
            return;
        }
        if (sessions.size() >= params.maxPeers()) {
            log.warn("refusing {}: peer limit of {} reached", s, params.maxPeers());
            s.close("peer limit reached");
            if (dial != null) {
                dial.result().completeExceptionally(new PeerException("this node has its maximum of "
                        + params.maxPeers() + " peers"));
            }
            return;
        }
        sessions.put(s);
        book.learn(s.peerId(), s.name(), PeerAddresses.dialable(s), clock.millis());
        book.succeeded(s.peerId());
        book.changed();
        if (dial != null) {
            bootstrap.connected(dial.target().address(), s.peerId());
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
        if (!sessions.remove(s)) {
            return; // a refused duplicate: nobody was told about it
        }
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
        book.failed(s.peerId(), params.backoff(), random, clock.millis());
        book.changed();
        log.info("disconnected from {}: {}", s, reason);
        events.emit(new PeerEvent.PeerDisconnected(PeerInfo.of(s), reason));
    }
}
