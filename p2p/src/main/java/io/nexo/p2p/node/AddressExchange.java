package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import io.nexo.p2p.wire.proto.PeerExchangeRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Peer exchange: asks neighbours for addresses (on connect and now and then), answers their
 * requests with other connected peers, and learns what they answer into the address book.
 *
 * <p>What a neighbour answers is hearsay, so it is taken with care (issue 11, item 7): only an
 * answer to a request this node made is read (one per request), at most {@link #PEX_MAX} entries
 * of it; an entry with a bad id or a name over 64 bytes or with control characters is dropped; an
 * address of a narrower scope than the one the neighbour was reached on (loopback, LAN) is dropped
 * ({@link AddressScope}); and an entry never changes what the node knows of a peer it has been
 * connected to ({@link AddressBook#learnHearsay}). Control loop only.
 */
final class AddressExchange {

    private static final Logger log = LoggerFactory.getLogger(AddressExchange.class);
    static final int PEX_MAX = 32;
    /** Addresses per peer-exchange entry and per Welcome (issue 11: 16 per peer). */
    static final int MAX_ADDRS = 16;

    private final PeerId self;
    private final SessionTable sessions;
    private final AddressBook book;
    private final Random random;
    private final Runnable learnedNew;
    /** Sessions asked for addresses that have not answered yet. */
    private final Set<PeerSession> asked = Collections.newSetFromMap(new IdentityHashMap<>());
    private final LogThrottle refusedLog = LogThrottle.perSecond();

    /** @param learnedNew run when an answer taught the node new peers (to dial toward its degree) */
    AddressExchange(PeerId self, SessionTable sessions, AddressBook book, Random random, Runnable learnedNew) {
        this.self = self;
        this.sessions = sessions;
        this.book = book;
        this.random = random;
        this.learnedNew = learnedNew;
    }

    /** Asks {@code s} for the addresses of peers it knows. */
    void ask(PeerSession s) {
        asked.add(s);
        s.send(Envelope.newBuilder().setPexRequest(PeerExchangeRequest.newBuilder().setMax(PEX_MAX)).build());
    }

    /** Asks a random neighbour, if there is one. */
    void askSomeone() {
        if (!sessions.isEmpty()) {
            List<PeerSession> all = sessions.snapshot();
            ask(all.get(random.nextInt(all.size())));
        }
    }

    /** Answers {@code s}'s request with up to {@code max} other connected peers, in random order. */
    void answer(PeerSession s, PeerExchangeRequest request) {
        PeerExchange.Builder pex = PeerExchange.newBuilder();
        int max = Math.min(PEX_MAX, Math.max(1, request.getMax()));
        List<PeerSession> others = sessions.snapshot();
        Collections.shuffle(others, random);
        for (PeerSession o : others) {
            if (pex.getPeersCount() >= max) {
                break;
            }
            List<HostAndPort> addrs = PeerAddresses.dialable(o);
            if (!o.peerId().equals(s.peerId()) && !addrs.isEmpty()) {
                pex.addPeers(PeerAddress.newBuilder().setPeerId(o.peerId().value()).setName(o.name())
                        .addAllAddrs(addrs.stream().map(HostAndPort::toString).toList()));
            }
        }
        s.send(Envelope.newBuilder().setPex(pex).build());
    }

    /** Learns the entries of {@code s}'s answer, if it answers a request of this node. */
    void learn(PeerSession s, PeerExchange answer) {
        if (!asked.remove(s)) {
            long unlogged = refusedLog.allow();
            if (unlogged >= 0) {
                log.info("ignoring an unsolicited peer exchange from {} ({} more since the last such line)", s,
                        unlogged);
            }
            return;
        }
        int learned = 0;
        int seen = 0;
        for (PeerAddress p : answer.getPeersList()) {
            if (++seen > PEX_MAX) {
                break;
            }
            PeerId id;
            try {
                id = PeerId.parse(p.getPeerId());
            } catch (IllegalArgumentException e) {
                log.debug("bad peer id in a peer exchange entry from {}: {}", s, e.getMessage());
                continue;
            }
            if (id.equals(self) || !AddressBook.validName(p.getName()) || p.getAddrsCount() > MAX_ADDRS) {
                continue;
            }
            List<HostAndPort> addrs = new ArrayList<>();
            for (String a : p.getAddrsList()) {
                try {
                    HostAndPort hp = HostAndPort.parse(a);
                    if (AddressScope.mayPointAt(s.remote(), hp)) {
                        addrs.add(hp);
                    }
                } catch (IllegalArgumentException e) {
                    log.debug("bad address in a peer exchange entry from {}: {}", s, e.getMessage());
                }
            }
            if (addrs.isEmpty()) {
                continue;
            }
            learned += book.learnHearsay(id, p.getName(), addrs) ? 1 : 0;
        }
        if (learned > 0) {
            log.debug("learned {} new peers from {}", learned, s);
            book.changed();
            learnedNew.run();
        }
    }

    /** {@code s} ended: an answer can no longer come. */
    void forget(PeerSession s) {
        asked.remove(s);
    }
}
