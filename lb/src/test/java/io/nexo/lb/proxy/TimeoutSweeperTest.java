package io.nexo.lb.proxy;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TimeoutSweeper} on an embedded event loop whose time the test moves, with the sweeper's clock
 * moved alongside: which connection is closed by which sweep, and that closed connections and an
 * empty list leave nothing scheduled.
 */
class TimeoutSweeperTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final EventLoop loop = channel.eventLoop();
    private long now = 1_000_000 * MS;
    private TimeoutSweeper sweeper;
    private final List<String> closed = new ArrayList<>();

    @BeforeEach
    void freeze() {
        channel.freezeTime();
        sweeper = new TimeoutSweeper(loop, () -> now);
    }

    /** A fake connection: its timeout and last activity, and a log of the sweeper's verdict. */
    private final class Conn implements TimeoutSweeper.Watched {
        final String name;
        final long idle;
        long lastActive = now;

        Conn(String name, long idleMillis) {
            this.name = name;
            this.idle = idleMillis * MS;
        }

        @Override
        public long timeoutNanos() {
            return idle;
        }

        @Override
        public long lastActiveNanos() {
            return lastActive;
        }

        @Override
        public void timedOut(long quietNanos) {
            closed.add(name + " after " + quietNanos / MS + " ms");
        }
    }

    /** Moves both clocks; steps of at most a tick, as real time goes. */
    private void advance(long millis) {
        now += millis * MS;
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aQuietConnectionIsClosedWithinOneTickAfterItsTimeoutAndNotBefore() {
        // timeout 800 ms: tick 100 ms
        sweeper.watch(new Conn("a", 800));
        advance(700);
        assertThat(closed).isEmpty();
        advance(100);
        assertThat(closed).containsExactly("a after 800 ms");
        assertThat(sweeper.watched()).isZero();
    }

    @Test
    void activityPostponesTheCloseToATimeoutAfterTheLastActivity() {
        Conn busy = new Conn("busy", 800);
        sweeper.watch(busy);
        advance(500);
        busy.lastActive = now; // traffic at 500 ms
        advance(700);
        assertThat(closed).isEmpty();
        advance(100); // 800 ms after the traffic
        assertThat(closed).containsExactly("busy after 800 ms");
    }

    @Test
    void anUnwatchedConnectionIsNeverClosedAndTheSweepStopsWhenNothingIsWatched() {
        TimeoutSweeper.Watch gone = sweeper.watch(new Conn("gone", 800));
        Conn stays = new Conn("stays", 800);
        TimeoutSweeper.Watch staysWatch = sweeper.watch(stays);
        TimeoutSweeper.unwatch(gone);
        TimeoutSweeper.unwatch(gone); // twice: nothing happens
        advance(800);
        assertThat(closed).containsExactly("stays after 800 ms");
        TimeoutSweeper.unwatch(staysWatch); // already ended by the sweep: nothing happens
        assertThat(sweeper.watched()).isZero();
        advance(100); // the last sweep found nothing and scheduled nothing more
        assertThat(channel.hasPendingTasks()).isFalse();
    }

    @Test
    void aShorterTimeoutSpeedsUpTheSweepAtOnce() {
        sweeper.watch(new Conn("long", 60_000)); // tick 1 s (the most)
        sweeper.watch(new Conn("short", 80)); // tick 10 ms (the least)
        advance(80);
        assertThat(closed).containsExactly("short after 80 ms");
        advance(59_920);
        assertThat(closed).containsExactly("short after 80 ms", "long after 60000 ms");
    }
}
