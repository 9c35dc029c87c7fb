package io.nexo.p2p.node;

import io.nexo.p2p.identity.PeerId;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event a node reports, for assertions. */
public final class RecordingListener implements PeerListener {
    public final List<PeerEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(PeerEvent event) {
        events.add(event);
    }

    public List<String> chatTexts() {
        return events.stream().filter(e -> e instanceof PeerEvent.MessageReceived)
                .map(e -> ((PeerEvent.MessageReceived) e).text()).toList();
    }

    public List<PeerEvent.MessageReceived> messages() {
        return events.stream().filter(e -> e instanceof PeerEvent.MessageReceived)
                .map(e -> (PeerEvent.MessageReceived) e).toList();
    }

    public List<String> directTexts() {
        return events.stream().filter(e -> e instanceof PeerEvent.DirectReceived)
                .map(e -> ((PeerEvent.DirectReceived) e).fromName() + ": " + ((PeerEvent.DirectReceived) e).text()).toList();
    }

    public List<PeerId> disconnected() {
        return events.stream().filter(e -> e instanceof PeerEvent.PeerDisconnected)
                .map(e -> ((PeerEvent.PeerDisconnected) e).peer().id()).toList();
    }
}
