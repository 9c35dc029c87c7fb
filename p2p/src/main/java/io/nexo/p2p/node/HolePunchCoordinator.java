package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.HolePunch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Hole punching, DCUtR-style (libp2p's "direct connection upgrade through relay"), over an
 * existing session with the peer. Control loop only; clock and timers injected.
 *
 * <pre>
 *   A (initiator)                         B
 *   CONNECT(A's addrs) ------------------>               t0
 *                      <------------------ CONNECT(B's addrs)   rtt = now - t0
 *   SYNC               ------------------>  dials A's addrs at once
 *   after rtt/2: dials B's addrs            (both SYNs cross: a simultaneous open)
 * </pre>
 * Both dial from their listening port, so each NAT has a mapping for the other's SYN. An attempt
 * fails when no answer comes within the reply timeout or no direct session within the dial
 * timeout; after {@code attempts} failed attempts the peer stays on its session and the initiator
 * tries again after a backoff (1 min doubling to 1 h by default). If both sides start at once, both
 * take the answer to their own CONNECT and both dial: still a simultaneous open.
 * A peer can make this node dial at most {@code maxAddrs} addresses {@code attempts} times per
 * {@code retryBase} window: more CONNECTs are refused and counted.
 */
final class HolePunchCoordinator {

    private static final Logger log = LoggerFactory.getLogger(HolePunchCoordinator.class);

    /** What the coordinator needs from the node. */
    interface Port {
        /** Sends {@code msg} to {@code peer} on its current session; false when there is none. */
        boolean send(PeerId peer, HolePunch msg);

        /** This node's addresses as others see them (observed, or the lab's), to offer in CONNECT. */
        List<HostAndPort> ownAddrs();

        /**
         * Dials {@code addrs} from the listening port; completes (on the control loop) with true once
         * a direct session with {@code peer} is up, false when none came within the dial timeout.
         */
        CompletableFuture<Boolean> dial(PeerId peer, List<HostAndPort> addrs);

        /** The peer's connections from {@code addrs} are its punch (it may dial before this node does). */
        void expect(PeerId peer, List<HostAndPort> addrs);

        /** True when the peer is connected and its session is not direct (relayed): worth punching. */
        boolean wantsDirect(PeerId peer);

        /** True when the peer is connected over a direct (not relayed) session. */
        boolean isDirect(PeerId peer);
    }

    /** Runs tasks later (the control loop's timers, or a test's). */
    interface Timers {
        /** Runs {@code task} after {@code millis}; the returned handle cancels it. */
        Runnable after(long millis, Runnable task);
    }

    /** How a punch ended. */
    enum Outcome { DIRECT, STAYS_RELAYED }

    /** Counters since start. */
    record Stats(long started, long direct, long staysRelayed, long failedAttempts, long refusedConnects,
                 long ignored) {
    }

    private enum Role { INITIATOR, RESPONDER }

    private enum Phase { AWAIT_CONNECT, AWAIT_SYNC, DIALLING }

    /** One punch in progress with one peer. */
    private static final class Round {
        final Role role;
        final CompletableFuture<Outcome> result = new CompletableFuture<>();
        int attempt = 1;
        Phase phase;
        long connectSentAt;
        List<HostAndPort> theirAddrs = List.of();
        Runnable timeout = () -> { };

        Round(Role role) {
            this.role = role;
        }
    }

    private final HolePunchParams params;
    private final Port port;
    private final Timers timers;
    private final Clock clock;
    private final Map<PeerId, Round> rounds = new HashMap<>();
    /** When each peer's recent CONNECTs were answered (at most {@code attempts} per window). */
    private final Map<PeerId, Deque<Long>> answered = new HashMap<>();
    /** Next wait before punching a peer again after a failure, doubling. */
    private final Map<PeerId, Long> retryDelay = new HashMap<>();
    private final Map<PeerId, Runnable> retries = new HashMap<>();
    private long started;
    private long direct;
    private long staysRelayed;
    private long failedAttempts;
    private long refusedConnects;
    private long ignored;

    HolePunchCoordinator(HolePunchParams params, Port port, Timers timers, Clock clock) {
        this.params = params;
        this.port = port;
        this.timers = timers;
        this.clock = clock;
    }

    /** Starts punching to {@code peer} (or joins the punch in progress). */
    CompletableFuture<Outcome> start(PeerId peer) {
        Round r = rounds.get(peer);
        if (r != null) {
            return r.result;
        }
        r = new Round(Role.INITIATOR);
        rounds.put(peer, r);
        started++;
        sendConnect(peer, r);
        return r.result;
    }

    /** A {@link HolePunch} message from {@code peer}'s session. */
    void onMessage(PeerId peer, HolePunch msg) {
        switch (msg.getType()) {
            case CONNECT -> onConnect(peer, addrs(msg));
            case SYNC -> onSync(peer);
            default -> ignored++;
        }
    }

    /** The peer's session is gone: its punch (if any) ends, its state is forgotten. */
    void forget(PeerId peer) {
        Round r = rounds.remove(peer);
        if (r != null) {
            r.timeout.run();
            r.result.complete(Outcome.STAYS_RELAYED);
        }
        answered.remove(peer);
        retryDelay.remove(peer);
        Runnable retry = retries.remove(peer);
        if (retry != null) {
            retry.run();
        }
    }

    Stats stats() {
        return new Stats(started, direct, staysRelayed, failedAttempts, refusedConnects, ignored);
    }

    private void sendConnect(PeerId peer, Round r) {
        r.phase = Phase.AWAIT_CONNECT;
        r.connectSentAt = clock.millis();
        if (!port.send(peer, connect())) {
            finish(peer, r, Outcome.STAYS_RELAYED, "no session to coordinate over");
            return;
        }
        r.timeout = timers.after(params.replyTimeout().toMillis(), () -> attemptFailed(peer, r, "no CONNECT answer"));
    }

    private void onConnect(PeerId peer, List<HostAndPort> theirs) {
        Round r = rounds.get(peer);
        if (r != null && r.role == Role.INITIATOR) {
            if (r.phase != Phase.AWAIT_CONNECT) {
                ignored++;
                return;
            }
            r.timeout.run();
            long rtt = Math.max(0, clock.millis() - r.connectSentAt);
            if (theirs.isEmpty()) {
                attemptFailed(peer, r, "peer has no address to dial");
                return;
            }
            port.expect(peer, theirs);
            port.send(peer, HolePunch.newBuilder().setType(HolePunch.Type.SYNC).build());
            Round initiator = r;
            initiator.phase = Phase.DIALLING;
            initiator.timeout = timers.after(rtt / 2, () -> dial(peer, initiator, theirs));
            return;
        }
        if (!mayAnswer(peer)) {
            refusedConnects++;
            log.debug("refusing CONNECT from {}: more than {} in {}", peer.shortId(), params.attempts(),
                    params.retryBase());
            return;
        }
        if (r != null) {
            r.timeout.run(); // a newer attempt of the initiator replaces the one we waited on
        } else {
            r = new Round(Role.RESPONDER);
            rounds.put(peer, r);
        }
        Round responder = r;
        responder.phase = Phase.AWAIT_SYNC;
        responder.theirAddrs = theirs;
        port.expect(peer, theirs);
        port.send(peer, connect());
        responder.timeout = timers.after(params.replyTimeout().toMillis(),
                () -> {
                    if (rounds.get(peer) == responder && responder.phase == Phase.AWAIT_SYNC) {
                        endResponder(peer, responder);
                    }
                });
    }

    private void onSync(PeerId peer) {
        Round r = rounds.get(peer);
        if (r == null || r.role != Role.RESPONDER || r.phase != Phase.AWAIT_SYNC) {
            ignored++;
            return;
        }
        r.timeout.run();
        if (r.theirAddrs.isEmpty()) {
            endResponder(peer, r);
            return;
        }
        dial(peer, r, r.theirAddrs);
    }

    private void dial(PeerId peer, Round r, List<HostAndPort> theirs) {
        r.phase = Phase.DIALLING;
        port.dial(peer, theirs).whenComplete((ok, error) -> {
            if (rounds.get(peer) != r) {
                return; // forgotten meanwhile
            }
            if (Boolean.TRUE.equals(ok)) {
                finish(peer, r, Outcome.DIRECT, "direct session up");
            } else if (r.role == Role.INITIATOR) {
                attemptFailed(peer, r, "no direct session within " + params.dialTimeout());
            } else {
                endResponder(peer, r);
            }
        });
    }

    /**
     * A responder's round ends without a direct session: the initiator decides whether to try again,
     * but whoever joined this round ({@link #start} while it ran) learns that it ended.
     */
    private void endResponder(PeerId peer, Round r) {
        rounds.remove(peer, r);
        // the initiator's dial may have won the race for the one direct session this dial lost
        r.result.complete(port.isDirect(peer) ? Outcome.DIRECT : Outcome.STAYS_RELAYED);
    }

    private void attemptFailed(PeerId peer, Round r, String why) {
        if (rounds.get(peer) != r) {
            return;
        }
        failedAttempts++;
        log.debug("hole punch to {}: attempt {} failed: {}", peer.shortId(), r.attempt, why);
        if (r.attempt >= params.attempts()) {
            finish(peer, r, Outcome.STAYS_RELAYED, why);
            return;
        }
        r.attempt++;
        r.phase = Phase.AWAIT_CONNECT;
        r.timeout = timers.after(params.attemptGap().toMillis(), () -> {
            if (rounds.get(peer) == r) {
                sendConnect(peer, r);
            }
        });
    }

    private void finish(PeerId peer, Round r, Outcome outcome, String why) {
        if (outcome == Outcome.STAYS_RELAYED && port.isDirect(peer)) {
            outcome = Outcome.DIRECT; // the peer's dial won the race for the one direct session
            why = "direct session up (the peer's dial)";
        }
        rounds.remove(peer, r);
        r.timeout.run();
        if (outcome == Outcome.DIRECT) {
            direct++;
            retryDelay.remove(peer);
            log.info("hole punch to {}: direct after {} attempt(s)", peer.shortId(), r.attempt);
        } else if (r.role == Role.INITIATOR) {
            staysRelayed++;
            long delay = retryDelay.getOrDefault(peer, params.retryBase().toMillis());
            retryDelay.put(peer, Math.min(params.retryMax().toMillis(), delay * 2));
            log.info("hole punch to {}: staying relayed ({}), next try in {} s", peer.shortId(), why, delay / 1000);
            retries.put(peer, timers.after(delay, () -> {
                retries.remove(peer);
                if (port.wantsDirect(peer)) {
                    start(peer);
                }
            }));
        }
        r.result.complete(outcome);
    }

    /** At most {@code attempts} CONNECTs answered per peer within {@code retryBase}. */
    private boolean mayAnswer(PeerId peer) {
        long now = clock.millis();
        Deque<Long> times = answered.computeIfAbsent(peer, p -> new ArrayDeque<>());
        while (!times.isEmpty() && now - times.peekFirst() >= params.retryBase().toMillis()) {
            times.pollFirst();
        }
        if (times.size() >= params.attempts()) {
            return false;
        }
        times.addLast(now);
        return true;
    }

    private HolePunch connect() {
        HolePunch.Builder b = HolePunch.newBuilder().setType(HolePunch.Type.CONNECT);
        port.ownAddrs().stream().limit(params.maxAddrs()).forEach(a -> b.addAddrs(a.toString()));
        return b.build();
    }

    /** The peer's addresses: IP literals only (no name lookups on a peer's word), at most {@code maxAddrs}. */
    private List<HostAndPort> addrs(HolePunch msg) {
        List<HostAndPort> out = new ArrayList<>();
        for (String a : msg.getAddrsList()) {
            if (out.size() == params.maxAddrs()) {
                break;
            }
            try {
                HostAndPort h = HostAndPort.parse(a);
                if (isIpLiteral(h.host()) && h.port() > 0) {
                    out.add(h);
                }
            } catch (IllegalArgumentException e) {
                ignored++;
            }
        }
        return out;
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9')
                && host.chars().filter(c -> c == '.').count() == 3;
    }
}
