package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Direct;
import io.nexo.p2p.wire.proto.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Direct messages: sends one to a node named by nickname or id (on its session, dialling it from
 * the address book when needed) and reports those addressed to this node. Never relayed. Control
 * loop only.
 */
final class DirectMessages {

    private static final Logger log = LoggerFactory.getLogger(DirectMessages.class);

    private volatile int maxFrameBytes = Integer.MAX_VALUE;
    private final PeerId self;
    private final String selfName;
    private final ControlLoop control;
    private final SessionTable sessions;
    private final AddressBook book;
    private final Dialler dialler;
    private final Random random;
    private final EventSink events;

    DirectMessages(PeerId self, String selfName, ControlLoop control, SessionTable sessions, AddressBook book,
                   Dialler dialler, Random random, EventSink events) {
        this.self = self;
        this.selfName = selfName;
        this.control = control;
        this.sessions = sessions;
        this.book = book;
        this.dialler = dialler;
        this.random = random;
        this.events = events;
    }

    /** Sends {@code text} to {@code nameOrId}; completes with the recipient or fails saying why. */
    void send(String nameOrId, String text, CompletableFuture<PeerInfo> result) {
        try {
            PeerId target = resolve(nameOrId);
            PeerSession s = sessions.get(target);
            if (s != null) {
                result.complete(sendOn(s, text));
                return;
            }
            AddressBook.Entry e = book.get(target).orElse(null);
            if (e == null || e.targets().isEmpty()) {
                throw new PeerException("no address known for " + nameOrId + "; connect to it first (/connect HOST:PORT)");
            }
            // the newest direct address; through a relay when the peer gave none (it is behind NAT)
            DialTarget to = e.addrs().isEmpty() ? e.targets().get(AddressBook.failures(e) % e.targets().size())
                    : DialTarget.of(target, e.addrs().get(e.addrs().size() - 1));
            CompletableFuture<PeerInfo> dialled = new CompletableFuture<>();
            dialler.dial(to, dialled, true);
            dialled.whenCompleteAsync((info, err) -> {
                PeerSession now = sessions.get(target);
                if (err != null || now == null) {
                    result.completeExceptionally(new PeerException("cannot reach " + nameOrId + ": "
                            + (err != null ? PeerException.describe(err) : "session closed")));
                } else {
                    result.complete(sendOn(now, text));
                }
            }, control.loop());
        } catch (PeerException ex) {
            result.completeExceptionally(ex);
        }
    }

    /** A direct message arrived on {@code s}: reported when it is from that peer and to this node. */
    void received(PeerSession s, Direct d) {
        if (!d.getToId().equals(self.value()) || !d.getFromId().equals(s.peerId().value())) {
            log.debug("dropping direct message from {} addressed to {} (not relayed)", s, d.getToId());
            return;
        }
        events.emit(new PeerEvent.DirectReceived(s.peerId(), s.name(), d.getText()));
    }

    private PeerInfo sendOn(PeerSession s, String text) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        Direct d = Direct.newBuilder().setId(ByteString.copyFrom(id)).setFromId(self.value())
                .setFromName(selfName).setToId(s.peerId().value()).setText(text).build();
        Envelope env = Envelope.newBuilder().setDirect(d).build();
        if (1 + env.getSerializedSize() > maxFrameBytes) {
            throw new PeerException("message too large: " + text.length() + " characters make a frame of "
                    + (1 + env.getSerializedSize()) + " bytes, over the limit of " + maxFrameBytes
                    + " (--max-message-size)");
        }
        if (!s.send(env)) {
            throw new PeerException("cannot send to " + s.name() + ": session closed");
        }
        return PeerInfo.of(s);
    }

    /** The peers' frame limit: a message that would not fit is refused here, with a clear error. */
    void maxFrameBytes(int v) {
        maxFrameBytes = v;
    }

    private PeerId resolve(String nameOrId) {
        if (PeerId.looksLikePeerId(nameOrId)) {
            return PeerId.parse(nameOrId);
        }
        Set<PeerId> matches = new HashSet<>();
        for (PeerSession s : sessions.all()) {
            if (s.name().equals(nameOrId) || s.peerId().value().startsWith(nameOrId.toLowerCase())
                    && nameOrId.length() >= 8) {
                matches.add(s.peerId());
            }
        }
        if (matches.isEmpty()) {
            book.byName(nameOrId).forEach(e -> matches.add(e.id()));
        }
        if (matches.isEmpty()) {
            throw new PeerException("unknown peer '" + nameOrId + "' (see /peers)");
        }
        if (matches.size() > 1) {
            throw new PeerException("'" + nameOrId + "' names " + matches.size() + " peers; use a peer id");
        }
        return matches.iterator().next();
    }
}
