package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.relay.RelayPath;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.RelayIncoming;
import io.nexo.p2p.wire.proto.RelayReservation;
import io.nexo.p2p.wire.proto.RelayReserve;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The reserving side of circuit relay, for a node others cannot dial: holds reservations on up to
 * {@code want} relays among the peers it dialled (their address is one others can dial too), renews
 * each at half its lifetime, moves to another relay when one is lost or refuses, and answers the
 * circuits a relay announces by connecting back to it. Control loop only.
 */
final class RelayReservations {

    private static final Logger log = LoggerFactory.getLogger(RelayReservations.class);
    /** A relay that refused is not asked again for this long. */
    static final long REFUSED_BACKOFF_MILLIS = 10 * 60_000L;

    /** A reservation asked for or held on {@code session}'s peer, reachable at {@code address}. */
    private record Held(PeerSession session, HostAndPort address, long renewAt, boolean granted) {
    }

    private final IntSupplier want;
    private final PeerId self;
    private final SessionTable sessions;
    private final PeerChannels channels;
    private final Clock clock;
    private final EventSink events;
    private final Map<PeerId, Held> held = new LinkedHashMap<>();
    private final Map<PeerId, Long> refusedUntil = new HashMap<>();
    private long ignoredIncoming;

    /** @param want how many relays to hold now (it follows the node's reachability with {@code auto}) */
    RelayReservations(IntSupplier want, PeerId self, SessionTable sessions, PeerChannels channels, Clock clock,
                      EventSink events) {
        this.want = want;
        this.self = self;
        this.sessions = sessions;
        this.channels = channels;
        this.clock = clock;
        this.events = events;
    }

    /** Drops reservations whose session is gone, renews the due ones, asks new relays up to {@code want}. */
    void maintain() {
        int want = this.want.getAsInt();
        long now = clock.millis();
        held.entrySet().removeIf(e -> {
            boolean gone = !sessions.isCurrent(e.getValue().session()) || !e.getValue().session().isOpen();
            if (gone && e.getValue().granted()) {
                log.info("relay reservation on {} lost with its session", e.getValue().address());
                events.emit(new PeerEvent.RelayChanged(relayedAddress(e.getValue().address()), false, "session closed"));
            }
            return gone;
        });
        for (Map.Entry<PeerId, Held> e : held.entrySet()) {
            Held h = e.getValue();
            if (h.granted() && now >= h.renewAt()) {
                ask(h.session(), h.address(), h.renewAt(), true);
            }
        }
        refusedUntil.values().removeIf(until -> until <= now);
        while (held.size() > want) { // no longer needed (the node turned out public): let the last go
            PeerId last = null;
            for (PeerId id : held.keySet()) {
                last = id;
            }
            Held h = held.remove(last);
            if (h.granted()) {
                events.emit(new PeerEvent.RelayChanged(relayedAddress(h.address()), false, "not needed"));
            }
        }
        for (PeerSession s : sessions.all()) {
            if (held.size() >= want) {
                break;
            }
            // a relay must be reachable by others: a peer this node dialled directly, at that address
            if (s.outbound() && !RelayPath.isRelayed(s.channel()) && !held.containsKey(s.peerId())
                    && !refusedUntil.containsKey(s.peerId())) {
                ask(s, s.remote(), now, false);
            }
        }
    }

    private void ask(PeerSession s, HostAndPort address, long renewAt, boolean granted) {
        held.put(s.peerId(), new Held(s, address, renewAt, granted));
        s.send(Envelope.newBuilder().setRelayReserve(RelayReserve.getDefaultInstance()).build());
    }

    /** A relay's answer to a reservation request. */
    void answered(PeerSession s, RelayReservation r) {
        Held h = held.get(s.peerId());
        if (h == null || h.session() != s) {
            return; // not asked (or asked over an older session)
        }
        if (!r.getGranted()) {
            held.remove(s.peerId());
            refusedUntil.put(s.peerId(), clock.millis() + REFUSED_BACKOFF_MILLIS);
            log.info("relay {} refused a reservation: {}", h.address(), r.getReason());
            if (h.granted()) {
                events.emit(new PeerEvent.RelayChanged(relayedAddress(h.address()), false, r.getReason()));
            }
            return;
        }
        long ttl = Math.max(1000, r.getExpiresInMillis());
        held.put(s.peerId(), new Held(s, h.address(), clock.millis() + ttl / 2, true));
        if (!h.granted()) {
            log.info("relay reservation on {}: reachable as {}", h.address(), relayedAddress(h.address()));
            events.emit(new PeerEvent.RelayChanged(relayedAddress(h.address()), true, ""));
        }
    }

    /** A relay announces a circuit: connect back to it with the token, if it is one of ours. */
    void incoming(PeerSession s, RelayIncoming in) {
        Held h = held.get(s.peerId());
        if (h == null || !h.granted() || h.session() != s) {
            ignoredIncoming++; // not a relay of ours: it cannot make this node open connections
            log.debug("ignoring a circuit announcement from {}, not a relay of this node", s);
            return;
        }
        channels.acceptCircuit(h.address(), in.getToken().toByteArray());
    }

    /** Where others can reach this node through its relays: {@code ID@relay:HOST:PORT}. */
    List<DialTarget> relayedAddresses() {
        List<DialTarget> out = new ArrayList<>();
        for (Held h : held.values()) {
            if (h.granted()) {
                out.add(relayedAddress(h.address()));
            }
        }
        return out;
    }

    long ignoredIncoming() {
        return ignoredIncoming;
    }

    private DialTarget relayedAddress(HostAndPort relay) {
        return DialTarget.viaRelay(self, relay);
    }
}
