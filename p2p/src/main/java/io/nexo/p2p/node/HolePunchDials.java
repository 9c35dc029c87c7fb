package io.nexo.p2p.node;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dials of hole punches: to each address of the peer, from the listening port, with the TLS
 * roles agreed in advance (the smaller peer id is the TLS client, as if it had dialled), and the
 * connections they bring. In a simultaneous open both dials become one connection; where one side's
 * SYN reaches the other's listener first (no NAT in between), the accepted connection takes the
 * agreed role too ({@link #accepted}). A punch succeeds when a session over one of these connections
 * becomes the peer's session. {@link #dial} and {@link #established} run on the control loop,
 * {@link #accepted} on an I/O thread.
 */
final class HolePunchDials {

    private static final Logger log = LoggerFactory.getLogger(HolePunchDials.class);

    /** An address being punched: whose it is, this node's TLS role with it, until when (nanoTime). */
    record Expected(PeerId peer, boolean tlsClient, long untilNanos) {
    }

    private record Pending(CompletableFuture<Boolean> result, List<InetSocketAddress> addrs, ScheduledFuture<?> timer) {
    }

    private final PeerId self;
    private final PeerChannels channels;
    private final ControlLoop control;
    private final long dialTimeoutMillis;
    private final Map<InetSocketAddress, Expected> expected = new ConcurrentHashMap<>();
    private final Set<Channel> punched = ConcurrentHashMap.newKeySet();
    private final Map<PeerId, Pending> pending = new HashMap<>();

    HolePunchDials(PeerId self, PeerChannels channels, ControlLoop control, long dialTimeoutMillis) {
        this.self = self;
        this.channels = channels;
        this.control = control;
        this.dialTimeoutMillis = dialTimeoutMillis;
    }

    /**
     * Dials {@code addrs} (IP literals) of {@code peer} from the listening port; completes with true
     * once a session over one of them is the peer's session, false after the dial timeout.
     */
    CompletableFuture<Boolean> dial(PeerId peer, List<HostAndPort> addrs) {
        Pending old = pending.remove(peer);
        if (old != null) {
            finish(peer, old, false);
        }
        if (channels.addresses() == null) {
            return CompletableFuture.completedFuture(false); // not listening yet: no port to punch from
        }
        boolean tlsClient = self.compareTo(peer) < 0;
        List<InetSocketAddress> to = addrs.stream().map(HostAndPort::toSocketAddress)
                .filter(a -> !a.isUnresolved()).toList();
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Pending p = new Pending(result, to, control.schedule(() -> {
            Pending now = pending.get(peer);
            if (now != null && now.result() == result) {
                pending.remove(peer);
                finish(peer, now, false);
            }
        }, dialTimeoutMillis));
        pending.put(peer, p);
        expect(peer, addrs);
        for (InetSocketAddress a : to) {
            ChannelFuture f = channels.punch(peer, a, tlsClient, (int) dialTimeoutMillis);
            track(f.channel());
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    log.debug("hole punch dial to {} at {}: {}", peer.shortId(), a, done.cause().toString());
                }
            });
        }
        return result;
    }

    /**
     * Connections from {@code addrs} are {@code peer}'s punch from now on (until the dial after this
     * ends): set as soon as the addresses are known, since the peer's SYN may come before this node
     * dials.
     */
    void expect(PeerId peer, List<HostAndPort> addrs) {
        long now = System.nanoTime();
        expected.values().removeIf(x -> x.untilNanos() - now < 0);
        // the peer dials within a reply timeout after this, and keeps trying for a dial timeout
        Expected e = new Expected(peer, self.compareTo(peer) < 0, now + 3 * dialTimeoutMillis * 1_000_000L);
        for (HostAndPort a : addrs) {
            InetSocketAddress s = a.toSocketAddress();
            if (!s.isUnresolved()) {
                expected.put(s, e);
            }
        }
    }

    /** The agreed role if {@code ch} comes from an address being punched (I/O thread). */
    Optional<Expected> accepted(Channel ch) {
        if (!(ch.remoteAddress() instanceof InetSocketAddress from)) {
            return Optional.empty();
        }
        Expected e = expected.get(from);
        if (e == null || e.untilNanos() - System.nanoTime() < 0) {
            return Optional.empty();
        }
        track(ch);
        return Optional.of(e);
    }

    /** A session is up (after the session table took it or not): completes a punch it belongs to. */
    void established(PeerSession s, boolean current) {
        if (!punched.contains(s.channel())) {
            return;
        }
        Pending p = pending.get(s.peerId());
        if (p != null && current) {
            pending.remove(s.peerId());
            finish(s.peerId(), p, true);
        }
    }

    /** True when {@code s} runs over a connection of a hole punch. */
    boolean isPunched(PeerSession s) {
        return punched.contains(s.channel());
    }

    private void track(Channel ch) {
        punched.add(ch);
        ch.closeFuture().addListener(f -> punched.remove(ch));
    }

    private void finish(PeerId peer, Pending p, boolean ok) {
        p.timer().cancel(false);
        p.addrs().forEach(a -> expected.computeIfPresent(a, (k, v) -> v.peer().equals(peer) ? null : v));
        log.debug("hole punch dials to {}: {}", peer.shortId(), ok ? "direct session up" : "no direct session");
        p.result().complete(ok);
    }
}
