package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.HolePunch;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Wires hole punching into the node: the {@link HolePunchCoordinator} (messages, timing, retries)
 * speaks over the session table and dials through {@link HolePunchDials}. Control loop only, but
 * for what {@link HolePunchDials} does on I/O threads.
 */
final class HolePunching {

    private final PeerId self;
    private final SessionTable sessions;
    private final HolePunchDials dials;
    private final HolePunchCoordinator coordinator;
    private volatile List<HostAndPort> ownAddrs = List.of();
    private volatile Predicate<PeerSession> relayed = s -> false;
    private volatile boolean enabled = true;

    HolePunching(HolePunchParams params, PeerId self, SessionTable sessions, PeerChannels channels, ControlLoop control,
                 Clock clock) {
        this.self = self;
        this.sessions = sessions;
        this.dials = new HolePunchDials(self, channels, control, params.dialTimeout().toMillis());
        channels.punches(dials);
        this.coordinator = new HolePunchCoordinator(params, new HolePunchCoordinator.Port() {
            @Override
            public boolean send(PeerId peer, HolePunch msg) {
                return sessions.send(peer, Envelope.newBuilder().setHolePunch(msg).build());
            }

            @Override
            public List<HostAndPort> ownAddrs() {
                return ownAddrs;
            }

            @Override
            public CompletableFuture<Boolean> dial(PeerId peer, List<HostAndPort> addrs) {
                CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
                dials.dial(peer, addrs).whenComplete((ok, e) -> control.execute(() -> onLoop.complete(ok != null && ok)));
                return onLoop;
            }

            @Override
            public void expect(PeerId peer, List<HostAndPort> addrs) {
                dials.expect(peer, addrs);
            }

            @Override
            public boolean wantsDirect(PeerId peer) {
                PeerSession s = sessions.get(peer);
                return s != null && relayed.test(s);
            }

            @Override
            public boolean isDirect(PeerId peer) {
                PeerSession s = sessions.get(peer);
                return s != null && !relayed.test(s);
            }
        }, (millis, task) -> {
            var f = control.schedule(task, millis);
            return () -> f.cancel(false);
        }, clock);
        sessions.relayed(s -> relayed.test(s));
    }

    /** The addresses offered to a peer in CONNECT (the node's observed addresses). */
    void ownAddrs(List<HostAndPort> addrs) {
        ownAddrs = List.copyOf(addrs);
    }

    /** Which sessions run through a relay (a direct session replaces such a one; it is worth punching). */
    void relayed(Predicate<PeerSession> isRelayed) {
        relayed = isRelayed;
    }

    /** Whether a relayed session that becomes the peer's starts a punch by itself ({@code --hole-punch}). */
    void enabled(boolean on) {
        enabled = on;
    }

    /** DCUtR over the session with {@code peer}: true when the node ends up with a direct session. */
    CompletableFuture<Boolean> start(PeerId peer) {
        return coordinator.start(peer).thenApply(o -> o == HolePunchCoordinator.Outcome.DIRECT);
    }

    /** Dials {@code addrs} from the listening port now, the other side doing the same (the caller coordinates). */
    CompletableFuture<Boolean> dialNow(PeerId peer, List<HostAndPort> addrs) {
        return dials.dial(peer, addrs);
    }

    void onMessage(PeerSession s, HolePunch msg) {
        coordinator.onMessage(s.peerId(), msg);
    }

    /**
     * After the session lifecycle handled {@code s}: a punch it completes; a relayed session that
     * became the peer's starts one, from the side with the smaller peer id (DCUtR lets the side
     * that accepted the relayed connection start; an order both sides know does as well, and a
     * punch both start at once still works: both dial), when this node has addresses to offer.
     */
    void established(PeerSession s) {
        boolean current = sessions.isCurrent(s);
        dials.established(s, current);
        // without an address of its own to offer the peer could not dial back: a one-sided dial
        // into its NAT is lost (and ties up the address pair); it starts once it learns one
        if (enabled && current && relayed.test(s) && self.compareTo(s.peerId()) < 0 && !ownAddrs.isEmpty()) {
            coordinator.start(s.peerId());
        }
    }

    /**
     * This node's offered addresses changed (it learnt where peers see it): every relayed session
     * is punched now rather than at its retry, which may be an hour away (a relayed session that
     * came up before AutoNAT had an answer offered nothing).
     */
    void addressesChanged() {
        if (!enabled) {
            return;
        }
        for (PeerSession s : sessions.all()) {
            if (sessions.isCurrent(s) && relayed.test(s)) {
                coordinator.start(s.peerId());
            }
        }
    }

    /** The peer has no session any more. */
    void gone(PeerId peer) {
        coordinator.forget(peer);
    }

    /** True when {@code s} runs over a hole-punched connection. */
    boolean isPunched(PeerSession s) {
        return dials.isPunched(s);
    }

    HolePunchCoordinator.Stats stats() {
        return coordinator.stats();
    }
}
