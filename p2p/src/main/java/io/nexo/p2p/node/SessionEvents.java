package io.nexo.p2p.node;

import io.netty.channel.Channel;
import io.nexo.p2p.relay.RelayService;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.session.SessionListener;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.proto.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge from the session layer to the node's roles: application traffic (binary frames of a
 * registered protocol) is handled on the I/O thread that read it, everything else goes to the
 * control loop, each message charged to the resource manager before it waits there.
 */
final class SessionEvents implements SessionListener {

    private static final Logger log = LoggerFactory.getLogger(SessionEvents.class);

    static ResourceManager.Protocol protocolOf(Envelope env) {
        return switch (env.getBodyCase()) {
            case DIRECT -> ResourceManager.Protocol.DIRECT;
            case PEX, PEX_REQUEST -> ResourceManager.Protocol.EXCHANGE;
            default -> ResourceManager.Protocol.GOSSIP;
        };
    }

    private final ControlLoop control;
    private final ResourceManager resources;
    private final AppProtocols protocols;
    // the roles below are built after the channels this listener is handed to (the dialler needs
    // the channels): set once by bind(), before the node starts and any channel exists
    private SessionLifecycle lifecycle;
    private EnvelopeDispatcher dispatcher;
    private Dialler dialler;
    private SessionTable sessions;
    private SignatureCheck signatures;
    private HolePunching punching;
    private AutoNat autoNat;
    private RelayReservations reservations;
    private RelayService relay; // null when the node does not serve as a relay

    SessionEvents(ControlLoop control, ResourceManager resources, AppProtocols protocols) {
        this.control = control;
        this.resources = resources;
        this.protocols = protocols;
    }

    void bind(SessionLifecycle lifecycle, EnvelopeDispatcher dispatcher, Dialler dialler, SessionTable sessions,
              SignatureCheck signatures, HolePunching punching, AutoNat autoNat, RelayReservations reservations,
              RelayService relay) {
        this.punching = punching;
        this.autoNat = autoNat;
        this.reservations = reservations;
        this.relay = relay;
        this.lifecycle = lifecycle;
        this.dispatcher = dispatcher;
        this.dialler = dialler;
        this.sessions = sessions;
        this.signatures = signatures;
    }

    @Override
    public void onEstablished(PeerSession session) {
        control.execute(() -> {
            lifecycle.established(session);
            // a new peer may answer a dial-back or hold a reservation: ask now, not at the next tick
            autoNat.maintain();
            reservations.maintain();
            punching.established(session);
        });
    }

    @Override
    public void onEnvelope(PeerSession session, Envelope envelope) {
        // reserved before it waits for the control loop: a fast peer cannot queue unbounded work
        ResourceManager.Reservation pending = resources.reservePending(session.peerId(),
                protocolOf(envelope), envelope.getSerializedSize()).orElse(null);
        if (pending == null) {
            return; // counted and logged by the resource manager
        }
        boolean queued = control.tryExecute(() -> {
            try {
                dispatcher.dispatch(session, envelope);
            } finally {
                pending.release();
            }
        });
        if (!queued) {
            pending.release(); // the node stopped
        }
    }

    @Override
    public void onBinary(PeerSession session, BinaryFrame frame) {
        AppProtocol p = protocols.get(frame.protocol());
        if (p == null) {
            log.debug("no protocol '{}' for a binary frame from {}", frame.protocol(), session);
            frame.release();
            return;
        }
        // binary frames (files/1) are charged like every other message; a protocol that keeps
        // work for later reserves it itself through resources()
        ResourceManager.Reservation pending = resources.reservePending(session.peerId(),
                ResourceManager.Protocol.FILES, frame.content().readableBytes()).orElse(null);
        if (pending == null) {
            frame.release();
            return;
        }
        try {
            p.onBinary(session, frame);
        } finally {
            pending.release();
        }
    }

    @Override
    public void onHandshakeFailed(Channel channel, boolean outbound, String reason) {
        if (outbound) {
            control.execute(() -> dialler.failed(channel, reason));
        }
    }

    @Override
    public void onClosed(PeerSession session, String reason) {
        control.execute(() -> {
            lifecycle.closed(session, reason);
            if (relay != null) {
                relay.sessionClosed(session);
            }
            if (!sessions.contains(session.peerId())) {
                signatures.peerDown(session.peerId());
                punching.gone(session.peerId());
            }
        });
    }
}
