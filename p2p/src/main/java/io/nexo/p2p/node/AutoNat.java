package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.relay.RelayPath;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.WireLimits;
import io.nexo.p2p.wire.proto.DialBackRequest;
import io.nexo.p2p.wire.proto.DialBackResponse;
import io.nexo.p2p.wire.proto.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;

/**
 * AutoNAT, both sides. As a client it asks peers it dialled (over direct sessions), up to
 * {@link #ASK_AT_ONCE} at a time and until {@link #VERDICTS_WANTED} verdicts count, to dial it back on its listening port, with a fresh nonce; a verdict counts as reached only when
 * that nonce arrived on the node's own listener, and feeds {@link Reachability}. As a server it dials
 * back only the IP address the requester's session comes from (never an address from the message,
 * so it cannot be aimed at a third party), at most once per peer every {@link #SERVE_INTERVAL_MILLIS}
 * and {@link #DIAL_BACKS_AT_ONCE} at a time. Control loop only, except {@link #nonceArrived}.
 */
final class AutoNat {

    private static final Logger log = LoggerFactory.getLogger(AutoNat.class);
    /** Dial-back requests of this node waiting for their answer at once. */
    static final int ASK_AT_ONCE = 2;
    /** Verdicts enough to decide: no further peer is asked while this many count. */
    static final int VERDICTS_WANTED = 3;
    /** How long a verdict counts before the peer is asked again. */
    static final long VERDICT_MAX_AGE_MILLIS = 30 * 60_000L;
    /** A requester may be dialled back once in this time. */
    static final long SERVE_INTERVAL_MILLIS = 30_000L;
    /** Dial-backs this node makes for others at once. */
    static final int DIAL_BACKS_AT_ONCE = 4;

    /** A request of this node: to whom, until when, and whether its nonce came back. */
    private static final class Asked {
        final PeerId peer;
        final long deadline;
        boolean nonceSeen;

        Asked(PeerId peer, long deadline) {
            this.peer = peer;
            this.deadline = deadline;
        }
    }

    private final SessionTable sessions;
    private final PeerChannels channels;
    private final ControlLoop control;
    private final Clock clock;
    private final Random random;
    private final EventSink events;
    private final long answerMillis;
    private final Reachability reachability;
    private final Map<String, Asked> asked = new HashMap<>();
    private final Map<PeerId, Long> served = new HashMap<>();
    private int dialing;
    private Reachability.Status reported = Reachability.Status.UNKNOWN;
    private java.util.function.Consumer<HostAndPort> onObserved = a -> { };

    /** @param answerMillis how long a request may wait for its answer (a dial-back may take a connect timeout) */
    AutoNat(SessionTable sessions, PeerChannels channels, ControlLoop control, Clock clock, Random random,
            EventSink events, long answerMillis) {
        this.sessions = sessions;
        this.channels = channels;
        this.control = control;
        this.clock = clock;
        this.random = random;
        this.events = events;
        this.answerMillis = answerMillis;
        this.reachability = new Reachability(VERDICT_MAX_AGE_MILLIS, clock::millis);
    }

    /** Told each observed address a peer reports (observed IP, listening port): what to offer for hole punching. */
    void onObserved(java.util.function.Consumer<HostAndPort> sink) {
        this.onObserved = sink;
    }

    Reachability.Status status() {
        return reachability.status();
    }

    java.util.Optional<HostAndPort> verifiedAddress() {
        return reachability.verifiedAddress();
    }

    /** Every address a dial-back that still counts reached this node at. */
    java.util.List<HostAndPort> verifiedAddresses() {
        return reachability.verifiedAddresses();
    }

    // ------------------------------------------------------------ client

    /** Times out unanswered requests, asks peers without a verdict, reports a changed status. */
    void maintain() {
        long now = clock.millis();
        for (Iterator<Asked> it = asked.values().iterator(); it.hasNext(); ) {
            Asked a = it.next();
            if (now >= a.deadline) {
                it.remove();
                reachability.unreachable(a.peer);
                log.debug("dial-back by {}: no answer", a.peer.shortId());
            }
        }
        for (PeerSession s : sessions.all()) {
            if (asked.size() >= ASK_AT_ONCE || reachability.verdicts() + asked.size() >= VERDICTS_WANTED) {
                break;
            }
            // peers this node dialled: reachable themselves, so likely public, and chosen by this node
            if (s.outbound() && !RelayPath.isRelayed(s.channel()) && !reachability.hasVerdictFrom(s.peerId()) && !asking(s.peerId())) {
                ask(s, now);
            }
        }
        report();
    }

    private boolean asking(PeerId id) {
        return asked.values().stream().anyMatch(a -> a.peer.equals(id));
    }

    private void ask(PeerSession s, long now) {
        byte[] nonce = new byte[WireLimits.RELAY_TOKEN_BYTES];
        random.nextBytes(nonce);
        asked.put(HexFormat.of().formatHex(nonce), new Asked(s.peerId(), now + answerMillis));
        s.send(Envelope.newBuilder().setDialBackRequest(DialBackRequest.newBuilder()
                .setPort(channels.addresses().listen().port()).setNonce(ByteString.copyFrom(nonce))).build());
    }

    /** A dial-back reached the listener with {@code nonceHex} (any I/O thread). */
    void nonceArrived(String nonceHex) {
        control.execute(() -> {
            Asked a = asked.get(nonceHex);
            if (a != null) {
                a.nonceSeen = true;
            }
        });
    }

    /** A peer's answer to a request of this node. */
    void answered(PeerSession s, DialBackResponse r) {
        String key = HexFormat.of().formatHex(r.getNonce().toByteArray());
        Asked a = asked.get(key);
        if (a == null || !a.peer.equals(s.peerId())) {
            return; // not ours, or not from the peer asked
        }
        asked.remove(key);
        HostAndPort observed = observedAt(r.getObservedAddr());
        if (observed != null) {
            onObserved.accept(observed);
        }
        if (r.getReached() && a.nonceSeen && observed != null) {
            reachability.reached(s.peerId(), observed);
        } else {
            reachability.unreachable(s.peerId());
            log.debug("dial-back by {} failed: {}", s, r.getReached() ? "another node took the nonce" : r.getReason());
        }
        report();
    }

    /** Observed IP with this node's listening port: where the peer reached (or tried to reach) it. */
    private HostAndPort observedAt(String observedAddr) {
        try {
            return new HostAndPort(HostAndPort.parse(observedAddr).host(), channels.addresses().listen().port());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void report() {
        Reachability.Status now = reachability.status();
        if (now != reported) {
            reported = now;
            log.info("reachability: {}{}", now.label(), reachability.verifiedAddress().map(a -> " at " + a).orElse(""));
            events.emit(new PeerEvent.ReachabilityChanged(now, reachability.verifiedAddress()));
        }
    }

    // ------------------------------------------------------------ server

    /** A peer asks to be dialled back: only at the IP its session comes from. */
    void requested(PeerSession s, DialBackRequest req) {
        long now = clock.millis();
        served.values().removeIf(t -> now - t >= SERVE_INTERVAL_MILLIS);
        String refusal = null;
        if (RelayPath.isRelayed(s.channel())) {
            refusal = "the session is relayed: no address of yours to dial";
        } else if (req.getPort() < 1 || req.getPort() > 65_535) {
            refusal = "port " + req.getPort() + " (expected: 1-65535)";
        } else if (served.containsKey(s.peerId())) {
            refusal = "one dial-back per " + SERVE_INTERVAL_MILLIS / 1000 + " s";
        } else if (dialing >= DIAL_BACKS_AT_ONCE) {
            refusal = "busy: " + DIAL_BACKS_AT_ONCE + " dial-backs in progress";
        }
        if (refusal != null) {
            respond(s, req, false, refusal);
            return;
        }
        served.put(s.peerId(), now);
        dialing++;
        InetAddress ip = ((InetSocketAddress) s.channel().remoteAddress()).getAddress();
        channels.dialBack(new InetSocketAddress(ip, req.getPort()), HexFormat.of().formatHex(req.getNonce().toByteArray()),
                failure -> control.execute(() -> {
                    dialing--;
                    respond(s, req, failure == null, failure == null ? "" : failure);
                }));
    }

    private static void respond(PeerSession s, DialBackRequest req, boolean reached, String reason) {
        s.send(Envelope.newBuilder().setDialBackResponse(DialBackResponse.newBuilder().setNonce(req.getNonce())
                .setObservedAddr(s.remote().toString()).setReached(reached).setReason(reason)).build());
    }
}
