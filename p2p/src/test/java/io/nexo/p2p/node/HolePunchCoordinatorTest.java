package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.HolePunch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The DCUtR state machine with a hand-moved clock and hand-run timers: no network. */
class HolePunchCoordinatorTest {

    private static final PeerId BOB = NodeIdentity.generate().peerId();
    private static final List<HostAndPort> OURS = List.of(HostAndPort.parse("198.18.0.101:4001"));
    private static final HolePunch.Type CONNECT = HolePunch.Type.CONNECT;

    /** A timer that runs only when the test says so. */
    private static final class Timer {
        final long delay;
        final Runnable task;
        boolean cancelled;

        Timer(long delay, Runnable task) {
            this.delay = delay;
            this.task = task;
        }
    }

    private final MutableClock clock = new MutableClock();
    private final List<HolePunch> sent = new ArrayList<>();
    private final List<List<HostAndPort>> dialled = new ArrayList<>();
    private final List<List<HostAndPort>> expected = new ArrayList<>();
    private final List<CompletableFuture<Boolean>> dials = new ArrayList<>();
    private final List<Timer> timers = new ArrayList<>();
    private boolean relayed = true;

    private final HolePunchCoordinator coordinator = new HolePunchCoordinator(HolePunchParams.DEFAULTS,
            new HolePunchCoordinator.Port() {
                @Override
                public boolean send(PeerId peer, HolePunch msg) {
                    sent.add(msg);
                    return true;
                }

                @Override
                public List<HostAndPort> ownAddrs() {
                    return OURS;
                }

                @Override
                public CompletableFuture<Boolean> dial(PeerId peer, List<HostAndPort> addrs) {
                    dialled.add(addrs);
                    CompletableFuture<Boolean> f = new CompletableFuture<>();
                    dials.add(f);
                    return f;
                }

                @Override
                public void expect(PeerId peer, List<HostAndPort> addrs) {
                    expected.add(addrs);
                }

                @Override
                public boolean wantsDirect(PeerId peer) {
                    return relayed;
                }

                @Override
                public boolean isDirect(PeerId peer) {
                    return !relayed;
                }
            }, (millis, task) -> {
                Timer t = new Timer(millis, task);
                timers.add(t);
                return () -> t.cancelled = true;
            }, clock);

    private static HolePunch connect(String... addrs) {
        return HolePunch.newBuilder().setType(CONNECT).addAllAddrs(List.of(addrs)).build();
    }

    private static final HolePunch SYNC = HolePunch.newBuilder().setType(HolePunch.Type.SYNC).build();

    /** Runs the newest live timer, checking its delay. */
    private void fire(long expectedDelay) {
        Timer t = timers.stream().filter(x -> !x.cancelled).reduce((a, b) -> b).orElseThrow();
        assertThat(t.delay).isEqualTo(expectedDelay);
        t.cancelled = true;
        clock.advance(Duration.ofMillis(t.delay));
        t.task.run();
    }

    @Test
    void initiatorSendsSyncOnTheAnswerAndDialsHalfTheRoundTripLater() {
        CompletableFuture<HolePunchCoordinator.Outcome> out = coordinator.start(BOB);
        assertThat(sent).containsExactly(connect("198.18.0.101:4001"));

        clock.advance(Duration.ofMillis(120));
        coordinator.onMessage(BOB, connect("198.18.0.102:5002"));
        assertThat(sent).hasSize(2).last().isEqualTo(SYNC);
        // the other side's SYN may arrive before this node dials: its address is expected already
        assertThat(expected).containsExactly(List.of(HostAndPort.parse("198.18.0.102:5002")));
        assertThat(dialled).isEmpty();

        fire(60); // rtt / 2
        assertThat(dialled).containsExactly(List.of(HostAndPort.parse("198.18.0.102:5002")));
        dials.get(0).complete(true);
        assertThat(out).isCompletedWithValue(HolePunchCoordinator.Outcome.DIRECT);
        assertThat(coordinator.stats()).isEqualTo(new HolePunchCoordinator.Stats(1, 1, 0, 0, 0, 0));
        assertThat(timers).allMatch(t -> t.cancelled);
    }

    @Test
    void responderAnswersWithItsAddressesAndDialsWhenSyncArrives() {
        coordinator.onMessage(BOB, connect("198.18.0.102:5002"));
        assertThat(sent).containsExactly(connect("198.18.0.101:4001"));
        assertThat(expected).containsExactly(List.of(HostAndPort.parse("198.18.0.102:5002")));
        assertThat(dialled).isEmpty();

        coordinator.onMessage(BOB, SYNC);
        assertThat(dialled).containsExactly(List.of(HostAndPort.parse("198.18.0.102:5002")));
        // a second SYNC is no second dial
        coordinator.onMessage(BOB, SYNC);
        assertThat(dialled).hasSize(1);
        assertThat(coordinator.stats().ignored()).isEqualTo(1);
    }

    /** A punch joined while this node is the responder ends with that round, also when no SYNC comes. */
    @Test
    void aPunchStartedDuringTheResponderRoundEndsWithIt() {
        coordinator.onMessage(BOB, connect("198.18.0.102:5002"));
        CompletableFuture<HolePunchCoordinator.Outcome> joined = coordinator.start(BOB);
        assertThat(sent).hasSize(1); // joined: no CONNECT of its own
        fire(HolePunchParams.DEFAULTS.replyTimeout().toMillis()); // no SYNC came
        assertThat(joined).isCompletedWithValue(HolePunchCoordinator.Outcome.STAYS_RELAYED);

        // and a responder whose dial fails ends its round too
        coordinator.onMessage(BOB, connect("198.18.0.102:5002"));
        CompletableFuture<HolePunchCoordinator.Outcome> again = coordinator.start(BOB);
        coordinator.onMessage(BOB, SYNC);
        dials.get(0).complete(false);
        assertThat(again).isCompletedWithValue(HolePunchCoordinator.Outcome.STAYS_RELAYED);
    }

    @Test
    void aSyncNobodyAskedForDialsNothing() {
        coordinator.onMessage(BOB, SYNC);
        assertThat(dialled).isEmpty();
        assertThat(coordinator.stats().ignored()).isEqualTo(1);
    }

    @Test
    void threeFailedAttemptsLeaveThePeerRelayedAndRetryWithDoublingBackoff() {
        CompletableFuture<HolePunchCoordinator.Outcome> out = coordinator.start(BOB);
        fire(5_000);                      // attempt 1: no answer
        fire(1_000);                      // gap, then CONNECT again
        assertThat(sent).hasSize(2);
        coordinator.onMessage(BOB, connect("198.18.0.102:5002"));
        fire(0);                          // attempt 2: rtt 0, dial at once
        dials.get(0).complete(false);     // no direct session
        fire(1_000);
        assertThat(sent).hasSize(4);      // CONNECT, CONNECT, SYNC, CONNECT
        fire(5_000);                      // attempt 3: no answer
        assertThat(out).isCompletedWithValue(HolePunchCoordinator.Outcome.STAYS_RELAYED);
        assertThat(coordinator.stats()).isEqualTo(new HolePunchCoordinator.Stats(1, 0, 1, 3, 0, 0));

        fire(60_000);                     // the retry after 1 min starts a new punch
        assertThat(sent).hasSize(5).last().isEqualTo(connect("198.18.0.101:4001"));
        fire(5_000);
        fire(1_000);
        fire(5_000);
        fire(1_000);
        fire(5_000);
        fire(120_000);                    // then after 2 min
        assertThat(coordinator.stats().started()).isEqualTo(3);
        relayed = false;                  // direct by other means meanwhile: no more punching
        fire(5_000);
        fire(1_000);
        fire(5_000);
        fire(1_000);
        fire(5_000);
        // the round ends with the direct session it found (the peer's dial won): no retry is set
        assertThat(coordinator.stats().direct()).isEqualTo(1);
        assertThat(coordinator.stats().started()).isEqualTo(3);
    }

    @Test
    void aPeerGetsAtMostThreeConnectsAnsweredPerMinute() {
        for (int i = 0; i < 5; i++) {
            coordinator.onMessage(BOB, connect("198.18.0.102:5002"));
        }
        assertThat(sent).hasSize(3);
        assertThat(coordinator.stats().refusedConnects()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(1));
        coordinator.onMessage(BOB, connect("198.18.0.102:5002"));
        assertThat(sent).hasSize(4);
    }

    @Test
    void onlyIpLiteralsAreDialledAndAtMostFour() {
        coordinator.onMessage(BOB, connect("evil.example:80", "198.18.0.102:1", "not an address", "[fd00::1]:2",
                "198.18.0.102:3", "198.18.0.102:4", "198.18.0.102:5", "198.18.0.102:0"));
        coordinator.onMessage(BOB, SYNC);
        assertThat(dialled).containsExactly(List.of(HostAndPort.parse("198.18.0.102:1"),
                HostAndPort.parse("[fd00::1]:2"), HostAndPort.parse("198.18.0.102:3"),
                HostAndPort.parse("198.18.0.102:4")));
    }

    @Test
    void aClosedSessionEndsThePunchAndForgetsThePeer() {
        CompletableFuture<HolePunchCoordinator.Outcome> out = coordinator.start(BOB);
        coordinator.forget(BOB);
        assertThat(out).isCompletedWithValue(HolePunchCoordinator.Outcome.STAYS_RELAYED);
        assertThat(timers).allMatch(t -> t.cancelled);
    }
}
