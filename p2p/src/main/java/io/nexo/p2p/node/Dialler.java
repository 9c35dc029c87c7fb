package io.nexo.p2p.node;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.Backoff;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Opens outbound connections and tracks them until their session is established or they fail
 * (then backs off the address book entry and the bootstrap peer). Host names are resolved by the
 * {@link NameResolver}, never on the control loop; the dial counts as in flight meanwhile. Control
 * loop only; lookups by address and by peer are constant-time.
 */
final class Dialler {

    private static final Logger log = LoggerFactory.getLogger(Dialler.class);

    /** A connection in progress: where to, who waits for it, and whether the user asked for it. */
    record Dial(DialTarget target, CompletableFuture<PeerInfo> result, boolean user) {
    }

    private final ControlLoop control;
    private final PeerChannels channels;
    private final SessionTable sessions;
    private final AddressBook book;
    private final BootstrapPeers bootstrap;
    private final Backoff backoff;
    private final Clock clock;
    private final Random random;
    private final EventSink events;
    private final BooleanSupplier stopped;
    private final PeerId self;

    private final NameResolver resolver;
    private final Set<Dial> resolving = new HashSet<>();
    private final Map<Channel, Dial> dials = new HashMap<>();
    private final Map<DialTarget, Integer> byPlace = new HashMap<>();
    private final Map<PeerId, Integer> byPeer = new HashMap<>();

    Dialler(ControlLoop control, PeerChannels channels, NameResolver resolver, SessionTable sessions, AddressBook book,
            BootstrapPeers bootstrap, Backoff backoff, Clock clock, Random random, EventSink events,
            BooleanSupplier stopped, PeerId self) {
        this.control = control;
        this.resolver = resolver;
        this.channels = channels;
        this.sessions = sessions;
        this.book = book;
        this.bootstrap = bootstrap;
        this.backoff = backoff;
        this.clock = clock;
        this.random = random;
        this.events = events;
        this.stopped = stopped;
        this.self = self;
    }

    /** Dials {@code target}; {@code result} completes with the peer or fails saying why. */
    void dial(DialTarget target, CompletableFuture<PeerInfo> result, boolean user) {
        if (stopped.getAsBoolean()) {
            result.completeExceptionally(new PeerException("node is stopping"));
            return;
        }
        if (target.peerId().isPresent()) {
            PeerSession existing = sessions.get(target.peerId().get());
            if (existing != null) {
                result.complete(PeerInfo.of(existing));
                return;
            }
            if (target.peerId().get().equals(self)) {
                result.completeExceptionally(new PeerException("that is this node's own id"));
                return;
            }
        }
        // through a relay, the relay may well be this node: it then splices to the peer as for anyone
        if (!target.viaRelay() && channels.addresses().isSelf(target.address())) {
            result.completeExceptionally(new PeerException(target.address() + " is this node's own address"));
            return;
        }
        Dial d = new Dial(target, result, user);
        track(d);
        resolving.add(d);
        resolver.resolve(target.address()).whenComplete((to, err) -> control.execute(() -> resolved(d, to, err)));
    }

    private void resolved(Dial d, InetSocketAddress to, Throwable err) {
        if (!resolving.remove(d)) {
            return; // failed meanwhile (node stopping)
        }
        if (err != null) {
            failed(d, "cannot connect to " + d.target().address() + ": " + PeerException.describe(err));
            return;
        }
        if (stopped.getAsBoolean()) {
            failed(d, "node is stopping");
            return;
        }
        // IP literals from peers were checked when learnt (AddressScope); a name is checked now
        HostAndPort a = d.target().address();
        if (!d.user() && !bootstrap.isBootstrap(a) && !AddressScope.isLiteral(a.host())
                && !channels.addresses().mayDialName(to.getAddress())) {
            failed(d, "not dialling " + d.target().address() + " (" + to.getAddress().getHostAddress()
                    + "): a name from a peer may not point this node at loopback, wildcard or multicast addresses");
            return;
        }
        ChannelFuture cf = channels.connect(d.target(), to);
        dials.put(cf.channel(), d);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                control.execute(() -> failed(cf.channel(), "cannot connect to " + d.target().address() + ": "
                        + PeerException.describe(f.cause())));
            }
        });
    }

    /** The dial that opened {@code ch}, if any, now done with (its session is established). */
    Dial take(Channel ch) {
        Dial d = dials.remove(ch);
        if (d != null) {
            untrack(d);
        }
        return d;
    }

    /** The connection on {@code ch} failed before its session was established. */
    void failed(Channel ch, String reason) {
        Dial d = dials.remove(ch);
        if (d != null) {
            failed(d, reason);
        }
    }

    private void failed(Dial d, String reason) {
        untrack(d);
        if (d.user()) {
            log.info("{}", reason);
        } else {
            log.debug("{}", reason);
        }
        d.target().peerId().ifPresent(id -> book.failed(id, backoff, random, clock.millis()));
        if (bootstrap.failed(d.target(), clock.millis()) && !d.user()) {
            events.emit(new PeerEvent.Error(reason + " (will retry with backoff)"));
        }
        d.result().completeExceptionally(new PeerException(reason));
    }

    /** True while a dial to {@code target}'s {@link DialTarget#place() place} is in flight. */
    boolean dialing(DialTarget target) {
        return byPlace.containsKey(target.place());
    }

    boolean dialingPeer(PeerId id) {
        return byPeer.containsKey(id);
    }

    /** Connections in progress (names being resolved included). */
    int inFlight() {
        return dials.size() + resolving.size();
    }

    /** Closes every connection in progress; returns their close futures. */
    List<ChannelFuture> closeAll() {
        for (Dial d : List.copyOf(resolving)) {
            resolving.remove(d);
            failed(d, "node is stopping");
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel ch : dials.keySet()) {
            closing.add(ch.close());
        }
        return closing;
    }

    private void track(Dial d) {
        byPlace.merge(d.target().place(), 1, Integer::sum);
        d.target().peerId().ifPresent(id -> byPeer.merge(id, 1, Integer::sum));
    }

    private void untrack(Dial d) {
        byPlace.computeIfPresent(d.target().place(), (k, n) -> n > 1 ? n - 1 : null);
        d.target().peerId().ifPresent(id -> byPeer.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : null));
    }
}
