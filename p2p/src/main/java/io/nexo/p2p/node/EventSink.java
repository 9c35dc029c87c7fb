package io.nexo.p2p.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
}
