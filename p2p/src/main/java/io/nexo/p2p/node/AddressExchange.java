package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.PeerRecords;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import io.nexo.p2p.wire.proto.PeerExchangeRequest;
import io.nexo.p2p.wire.proto.SignedPeerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Peer exchange: asks neighbours for addresses (on connect and now and then), answers their
 * requests with other connected peers, and learns what they answer into the address book.
 *
 * <p>What a neighbour answers is hearsay, so it is taken with care (issue 11, item 7): only an
 * answer to a request this node made is read (one per request), at most {@link #PEX_MAX} entries
 * of it; an entry with a bad id or a name over 64 bytes or with control characters is dropped; an
 * address of a narrower scope than the one the neighbour was reached on (loopback, LAN) is dropped
 * ({@link AddressScope}); at most {@link AddressBook#MAX_HEARSAY_ADDRS} addresses are kept per
 * entry. Control loop only.
 *
 * <p>And only what a peer signed about itself counts ({@link PeerRecords}): an answer carries the
 * answering node's own signed record first, then the records it holds of its other neighbours; an
 * entry without a valid record of the peer it names is refused and counted as a forgery
 * ({@link SignatureCheck#refusedRecord}); only a record newer than the one held changes what the
 * node knows of a peer, connected before or not (the peer moved: its own word, not hearsay), so a
 * neighbour can at most replay a peer's current record.
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
    private final PeerRecords records;
    private final SignatureCheck signatures;
    private final Supplier<SignedPeerRecord> ownRecord;

    /** @param learnedNew run when an answer taught the node new peers (to dial toward its degree) */
    AddressExchange(PeerId self, SessionTable sessions, AddressBook book, Random random, Runnable learnedNew,
                    PeerRecords records, SignatureCheck signatures, Supplier<SignedPeerRecord> ownRecord) {
        this.records = records;
        this.signatures = signatures;
        this.ownRecord = ownRecord;
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
        SignedPeerRecord own = ownRecord.get();
        if (own != null) {
            pex.addPeers(PeerAddress.newBuilder().setPeerId(self.value()).setSignedRecord(own));
        }
        int max = Math.min(PEX_MAX - 1, Math.max(1, request.getMax()));
        List<PeerSession> others = sessions.snapshot();
        Collections.shuffle(others, random);
        for (PeerSession o : others) {
            if (pex.getPeersCount() > max) {
                break;
            }
            // only what a peer signed about itself: this node cannot vouch for anyone else
            Optional<SignedPeerRecord> record = records.get(o.peerId());
            if (!o.peerId().equals(s.peerId()) && record.isPresent()) {
                pex.addPeers(PeerAddress.newBuilder().setPeerId(o.peerId().value()).setName(o.name())
                        .setSignedRecord(record.get()));
            }
        }
        s.send(Envelope.newBuilder().setPex(pex).build());
    }

    /**
     * Tells every neighbour this node's own record, which changed (a verified address, a relay
     * reservation): an exchange of one entry, the sender's own record, which needs no request.
     */
    void pushOwn() {
        SignedPeerRecord own = ownRecord.get();
        if (own == null) {
            return;
        }
        Envelope push = Envelope.newBuilder().setPex(PeerExchange.newBuilder()
                .addPeers(PeerAddress.newBuilder().setPeerId(self.value()).setSignedRecord(own))).build();
        for (PeerSession s : sessions.snapshot()) {
            s.send(push);
        }
    }

    /** True when {@code answer} is {@code s}'s own record alone: first-hand, taken without a request. */
    private static boolean isOwnPush(PeerSession s, PeerExchange answer) {
        return answer.getPeersCount() == 1 && answer.getPeers(0).getPeerId().equals(s.peerId().value());
    }

    /**
     * Learns the entries of {@code s}'s answer, if it answers a request of this node, or of its push
     * of its own record ({@link #pushOwn}).
     */
    void learn(PeerSession s, PeerExchange answer) {
        // a push does not use up a request: the answer may still be on its way
        if (!isOwnPush(s, answer) && !asked.remove(s)) {
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
            // a record this node holds already was verified when it came; a new one is verified
            // (once per process when nodes share one, see VerifiedSignatures)
            Optional<PeerRecords.Verified> v = p.hasSignedRecord()
                    ? records.heldIdentical(p.getSignedRecord()).or(() -> PeerRecords.verify(p.getSignedRecord(), signatures.shared()))
                    : Optional.empty();
            if (v.isEmpty() || !p.getPeerId().isEmpty() && !p.getPeerId().equals(v.get().peer().value())) {
                signatures.refusedRecord(s.peerId(), p.getPeerId());
                continue;
            }
            PeerId id = v.get().peer();
            if (id.equals(self) || !AddressBook.validName(v.get().name()) || !records.offer(v.get())) {
                continue; // ours, a bad name, or not newer than the record held
            }
            // a record signed by its peer still reaches this node through a third party: at most
            // MAX_HEARSAY_ADDRS dialable addresses (and MAX_RELAYS relays) of the neighbour's scope
            List<HostAndPort> addrs = dialable(s, v.get().addrs(), AddressBook.MAX_HEARSAY_ADDRS);
            List<HostAndPort> relays = dialable(s, v.get().relays(), AddressBook.MAX_RELAYS);
            if (addrs.isEmpty() && relays.isEmpty()) {
                continue;
            }
            boolean known = book.get(id).isPresent();
            // a newer record replaces the addresses: the peer moved, and nobody else may add any
            book.replace(id, v.get().name(), addrs, relays);
            learned += known ? 0 : 1;
        }
        if (learned > 0) {
            log.debug("learned {} new peers from {}", learned, s);
            book.changed();
            learnedNew.run();
        }
    }

    /** At most {@code max} of {@code addrs} that {@code s} may point this node at, and that can be dialled. */
    private static List<HostAndPort> dialable(PeerSession s, List<HostAndPort> addrs, int max) {
        List<HostAndPort> out = new ArrayList<>();
        for (HostAndPort hp : addrs) {
            if (out.size() < max && AddressScope.mayPointAt(s.remote(), hp) && hp.port() != 0
                    && !AddressBook.isWildcard(hp.host())) {
                out.add(hp);
            }
        }
        return out;
    }

    /** {@code s} ended: an answer can no longer come. */
    void forget(PeerSession s) {
        asked.remove(s);
    }
}
