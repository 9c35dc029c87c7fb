package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.identity.PeerId;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's outbound degree: redials lost bootstrap peers and dials known peers from the
 * address book until {@code --target-peers} outbound sessions (counting dials in flight) are up;
 * takes in peers announced on the LAN.
 * Control loop only.
 */
final class DegreeKeeper {

    private static final Logger log = LoggerFactory.getLogger(DegreeKeeper.class);

    private final DiscoveryParams params;
    private final PeerId self;
    private final SessionTable sessions;
    private final Dialler dialler;
    private final BootstrapPeers bootstrap;
    private final AddressBook book;
    private final Clock clock;
    private final Random random;

    DegreeKeeper(DiscoveryParams params, PeerId self, SessionTable sessions, Dialler dialler,
                 BootstrapPeers bootstrap, AddressBook book, Clock clock, Random random) {
        this.params = params;
        this.self = self;
        this.sessions = sessions;
        this.dialler = dialler;
        this.bootstrap = bootstrap;
        this.book = book;
        this.clock = clock;
        this.random = random;
    }

    /** One maintenance round: bootstrap peers first, then the outbound target. */
    void maintain() {
        for (DialTarget t : bootstrap.due(clock.millis(), sessions::contains, dialler::dialing)) {
            dialler.dial(t, new CompletableFuture<>(), false);
        }
        fill();
    }

    /** A peer announced itself on the LAN ({@code --lan}): into the address book, and dialled if it is new there. */
    void announcedOnLan(PeerId id, String name, HostAndPort addr) {
        if (id.equals(self)) {
            return;
        }
        boolean known = book.get(id).map(e -> e.addrs().contains(addr)).orElse(false);
        book.learn(id, name, List.of(addr), 0);
        if (!known) {
            log.info("LAN discovery: {} ({}) at {}", name, id.shortId(), addr);
            book.changed();
            fill();
        }
    }

    /**
     * Dials known peers until the outbound target is met (counting dials in flight). Inbound
     * sessions do not take outbound slots: when the node is full, an outbound session that arrives
     * trims an inbound peer ({@link ConnectionManager}), so an inbound flood cannot stop it dialling.
     */
    void fill() {
        long outbound = sessions.outboundCount() + dialler.inFlight();
        long need = Math.min(params.targetOutbound(), params.maxPeers()) - outbound;
        if (need <= 0) {
            return;
        }
        long now = clock.millis();
        List<AddressBook.Entry> candidates = new ArrayList<>();
        for (AddressBook.Entry e : book.all()) {
            if (!e.id().equals(self) && !sessions.contains(e.id()) && AddressBook.dialable(e, now)
                    && !dialler.dialingPeer(e.id())) {
                candidates.add(e);
            }
        }
        Collections.shuffle(candidates, random);
        for (int i = 0; i < need && i < candidates.size(); i++) {
            AddressBook.Entry e = candidates.get(i);
            List<DialTarget> targets = e.targets();
            // rotate through a peer's addresses (direct ones, then its relays) as attempts fail
            dialler.dial(targets.get(AddressBook.failures(e) % targets.size()), new CompletableFuture<>(), false);
        }
    }
}
