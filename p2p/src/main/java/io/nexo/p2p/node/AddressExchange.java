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
import java.util.List;
import java.util.Random;

/**
 * Peer exchange: asks neighbours for addresses (on connect and now and then), answers their
 * requests with other connected peers, and learns what they answer into the address book.
 * Control loop only.
 */
final class AddressExchange {

    private static final Logger log = LoggerFactory.getLogger(AddressExchange.class);
    static final int PEX_MAX = 32;

    private final PeerId self;
    private final SessionTable sessions;
    private final AddressBook book;
    private final Random random;
    private final Runnable learnedNew;

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

    /** Learns the entries of {@code s}'s answer. */
    void learn(PeerSession s, PeerExchange answer) {
        int learned = 0;
        for (PeerAddress p : answer.getPeersList()) {
            try {
                PeerId id = PeerId.parse(p.getPeerId());
                if (id.equals(self)) {
                    continue;
                }
                List<HostAndPort> addrs = new ArrayList<>();
                for (String a : p.getAddrsList()) {
                    addrs.add(HostAndPort.parse(a));
                }
                boolean known = book.get(id).isPresent();
                book.learn(id, p.getName(), addrs, 0);
                learned += known ? 0 : 1;
            } catch (IllegalArgumentException e) {
                log.debug("bad peer exchange entry from {}: {}", s, e.getMessage());
            }
        }
        if (learned > 0) {
            log.debug("learned {} new peers from {}", learned, s);
            book.changed();
            learnedNew.run();
        }
    }
}
