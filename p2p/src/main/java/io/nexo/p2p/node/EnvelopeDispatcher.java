package io.nexo.p2p.node;

import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.relay.RelayService;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.RelayReservation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands each envelope from a session to the component that handles its kind. Control loop only. */
final class EnvelopeDispatcher {

    private static final Logger log = LoggerFactory.getLogger(EnvelopeDispatcher.class);

    private final SessionTable sessions;
    private final GossipRouter router;
    private final DirectMessages direct;
    private final AddressExchange exchange;
    private final RelayService relay;
    private final RelayReservations reservations;
    private final AutoNat autoNat;
    private final HolePunching punching;

    /** @param relay the relay this node serves, or null when it does not */
    EnvelopeDispatcher(SessionTable sessions, GossipRouter router, DirectMessages direct, AddressExchange exchange,
                       RelayService relay, RelayReservations reservations, AutoNat autoNat, HolePunching punching) {
        this.autoNat = autoNat;
        this.relay = relay;
        this.reservations = reservations;
        this.punching = punching;
        this.sessions = sessions;
        this.router = router;
        this.direct = direct;
        this.exchange = exchange;
    }

    void dispatch(PeerSession s, Envelope env) {
        if (log.isTraceEnabled()) {
            log.trace("{} from {}", env.getBodyCase(), s);
        }
        if (!sessions.isCurrent(s) && !env.hasGossip() && !env.hasDirect()) {
            return; // a losing duplicate: only what was already in flight on it still counts
        }
        switch (env.getBodyCase()) {
            case GOSSIP -> router.onGossip(s.peerId(), env.getGossip());
            case IHAVE -> router.onIHave(s.peerId(), env.getIhave());
            case GRAFT -> router.onGraft(s.peerId(), env.getGraft());
            case PRUNE -> router.onPrune(s.peerId(), env.getPrune());
            case DIRECT -> direct.received(s, env.getDirect());
            case PEX_REQUEST -> exchange.answer(s, env.getPexRequest());
            case PEX -> exchange.learn(s, env.getPex());
            case RELAY_RESERVE -> s.send(Envelope.newBuilder().setRelayReservation(reserve(s)).build());
            case DIAL_BACK_REQUEST -> autoNat.requested(s, env.getDialBackRequest());
            case DIAL_BACK_RESPONSE -> autoNat.answered(s, env.getDialBackResponse());
            case RELAY_RESERVATION -> reservations.answered(s, env.getRelayReservation());
            case RELAY_INCOMING -> reservations.incoming(s, env.getRelayIncoming());
            case HOLE_PUNCH -> punching.onMessage(s, env.getHolePunch());
            default -> log.debug("ignoring {} from {}", env.getBodyCase(), s);
        }
    }

    /** Only a node that serves relay and has not found itself behind NAT grants reservations. */
    private RelayReservation reserve(PeerSession s) {
        if (relay == null) {
            return RelayReservation.newBuilder().setGranted(false).setReason("this node does not relay").build();
        }
        if (autoNat.status() == Reachability.Status.PRIVATE) {
            return RelayReservation.newBuilder().setGranted(false).setReason("this node is behind NAT").build();
        }
        return relay.reserve(s);
    }
}
