package io.nexo.p2p.node;

import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Gossip;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HexFormat;

/** Hands node events to the user's {@link PeerListener}; a listener that throws is logged, not fatal. */
final class EventSink {

    private static final Logger log = LoggerFactory.getLogger(EventSink.class);

    private final PeerListener listener;

    EventSink(PeerListener listener) {
        this.listener = listener;
    }

    void emit(PeerEvent e) {
        try {
            listener.onEvent(e);
        } catch (RuntimeException ex) {
            log.warn("peer listener failed on {}", e.getClass().getSimpleName(), ex);
        }
    }

    /** A broadcast the gossip router delivers to this node, reported as {@link PeerEvent.MessageReceived}. */
    void delivered(Gossip g, PeerId from) {
        PeerId origin;
        try {
            origin = PeerId.parse(g.getOriginId());
        } catch (IllegalArgumentException e) {
            log.debug("gossip with bad origin id from {}", from);
            return;
        }
        emit(new PeerEvent.MessageReceived(HexFormat.of().formatHex(g.getId().toByteArray()), origin,
                g.getOriginName(), g.getTopic(), g.getPayload().toByteArray(), from, g.getHops(),
                g.getOriginTimeMillis(), g.toBuilder().setHops(0).build().toByteArray()));
    }
}
