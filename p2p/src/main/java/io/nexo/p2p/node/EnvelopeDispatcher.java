package io.nexo.p2p.node;

import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands each envelope from a session to the component that handles its kind. Control loop only. */
final class EnvelopeDispatcher {

    private static final Logger log = LoggerFactory.getLogger(EnvelopeDispatcher.class);

    private final SessionTable sessions;
    private final GossipRouter router;
    private final DirectMessages direct;
    private final AddressExchange exchange;
    private final HolePunching punching;

    EnvelopeDispatcher(SessionTable sessions, GossipRouter router, DirectMessages direct, AddressExchange exchange,
                       HolePunching punching) {
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
            case PRUNE -> router.onPrune(s.peerId());
            case DIRECT -> direct.received(s, env.getDirect());
            case PEX_REQUEST -> exchange.answer(s, env.getPexRequest());
            case PEX -> exchange.learn(s, env.getPex());
            case HOLE_PUNCH -> punching.onMessage(s, env.getHolePunch());
            default -> log.debug("ignoring {} from {}", env.getBodyCase(), s);
        }
    }
}
