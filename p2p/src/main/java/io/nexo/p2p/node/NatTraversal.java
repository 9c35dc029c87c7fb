package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.relay.RelayConfig;
import io.nexo.p2p.relay.RelayPath;
import io.nexo.p2p.wire.proto.SignedPeerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The node's NAT traversal, wired: AutoNAT (am I reachable, and where), the relay reservations it
 * holds when it is not, hole punching of relayed sessions fed with the addresses peers observed,
 * and what it advertises from all that ({@link OwnAddresses}: its Welcome and signed record, pushed
 * to its neighbours when it changes). Control loop only.
 */
final class NatTraversal {

    private static final Logger log = LoggerFactory.getLogger(NatTraversal.class);
    /** Observed addresses kept to offer in hole punching (the newest). */
    static final int MAX_OBSERVED = 4;

    private final PeerChannels channels;
    private final AutoNat autoNat;
    private final RelayReservations reservations;
    private final HolePunching punching;
    private final OwnAddresses own;
    private final boolean holePunch;
    /** Where peers saw this node come from (observed IP, listening port), newest last. */
    private final Set<HostAndPort> observed = new LinkedHashSet<>();
    private Runnable recordChanged = () -> { };
    /** What hole punching offers now. */
    private List<HostAndPort> offered = List.of();

    NatTraversal(PeerNodeConfig config, SessionTable sessions, PeerChannels channels, ControlLoop control, Clock clock,
                 Random random, EventSink events) {
        PeerId self = config.identity().peerId();
        this.channels = channels;
        this.holePunch = config.relay().holePunch();
        this.autoNat = new AutoNat(sessions, channels, control, clock, random, events,
                config.limits().handshakeTimeout().toMillis() + 5_000);
        channels.onDialBack(autoNat::nonceArrived);
        int reserveOn = config.relay().reserveOn();
        this.reservations = new RelayReservations(() -> reserveOn != RelayConfig.AUTO ? reserveOn
                : autoNat.status() == Reachability.Status.PRIVATE ? 1 : 0, self, sessions, channels, clock, events);
        this.punching = new HolePunching(HolePunchParams.DEFAULTS, self, sessions, channels, control, clock);
        // sessions through a relay are the ones worth punching (and a direct one replaces them)
        punching.relayed(s -> RelayPath.isRelayed(s.channel()));
        punching.enabled(holePunch);
        autoNat.onObserved(this::observed);
        this.own = new OwnAddresses(config.identity(), config.name(), !config.advertise().isEmpty(),
                () -> Math.multiplyExact(clock.millis(), 1000L));
    }

    /** Run when the node's record changes (after start): the node pushes it to its neighbours. */
    void onRecordChanged(Runnable r) {
        this.recordChanged = r;
    }

    /** Once the listener is bound: the first record (reachability unknown). */
    void start() {
        refresh();
    }

    /** Every maintenance tick: AutoNAT requests, reservations, and the advertised addresses. */
    void maintain() {
        autoNat.maintain();
        reservations.maintain();
        if (refresh()) {
            recordChanged.run();
        }
    }

    private boolean refresh() {
        List<HostAndPort> relays = new ArrayList<>();
        reservations.relayedAddresses().forEach(t -> relays.add(t.address()));
        boolean changed = own.update(channels.addresses(), autoNat.status(), autoNat.verifiedAddresses(), relays);
        if (changed) {
            log.info("advertising {} (reachability {})", own.describe(), autoNat.status().label());
            offerToPunch();
        }
        return changed;
    }

    private void observed(HostAndPort a) {
        observed.remove(a);
        observed.add(a);
        while (observed.size() > MAX_OBSERVED) {
            observed.remove(observed.iterator().next());
        }
        offerToPunch();
    }

    /**
     * The addresses offered in a hole punch's CONNECT: verified ones first, then where peers saw
     * this node come from (behind a NAT that keeps the port, its public address), at most
     * {@link #MAX_OBSERVED}; none with {@code --hole-punch off}.
     */
    private void offerToPunch() {
        if (!holePunch) {
            return;
        }
        Set<HostAndPort> offer = new LinkedHashSet<>(autoNat.verifiedAddresses());
        List<HostAndPort> newestFirst = new ArrayList<>(observed);
        Collections.reverse(newestFirst);
        offer.addAll(newestFirst);
        List<HostAndPort> now = offer.stream().limit(MAX_OBSERVED).toList();
        if (!now.equals(offered)) {
            boolean more = !offered.containsAll(now);
            offered = now;
            punching.ownAddrs(now);
            if (more) {
                punching.addressesChanged();
            }
        }
    }

    SignedPeerRecord record() {
        return own.record();
    }

    AutoNat autoNat() {
        return autoNat;
    }

    RelayReservations reservations() {
        return reservations;
    }

    HolePunching punching() {
        return punching;
    }

    Reachability.Status status() {
        return autoNat.status();
    }

    List<DialTarget> relayedAddresses() {
        return reservations.relayedAddresses();
    }
}
