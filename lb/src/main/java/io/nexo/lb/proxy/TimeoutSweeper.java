package io.nexo.lb.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The timeouts of one event loop's connections (idle timeouts, and connect timeouts towards backends:
 * a connect attempt is quiet from its start), found by one periodic sweep over them instead of a timer
 * per connection. A timer per connection costs a schedule and a cancel in the loop's priority queue
 * (O(log n) each, and an object) for every connection, though almost every one ends long before its
 * timeout; here watching is linking a node into a list and unwatching unlinking it, both O(1), and the
 * sweep reads each one's last activity only every tick.
 *
 * <p>The tick is an eighth of the shortest timeout watched so far, between 10 ms and 1 s: what is quiet
 * for its timeout is timed out within one tick after it (never before). The sweep runs only while
 * something is watched. Touched only on its event loop.
 *
 * <p>Example, timeout 1 h (tick 1 s): a connection last active at 10:00:00.3 is seen quiet for
 * 59:59.7 by the sweep at 10:59:59.9 and kept, then closed by the sweep at 11:00:00.9.
 */
final class TimeoutSweeper {

    static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Something with a timeout: a connection, a connect attempt. */
    interface Watched {
        /** The timeout, > 0. */
        long timeoutNanos();

        /** The clock's ({@link System#nanoTime()}'s) time of the last activity. */
        long lastActiveNanos();

        /** Quiet for {@code quietNanos}, at least the timeout: end it. */
        void timedOut(long quietNanos);
    }

    /** One watched thing's place in the list; unlinked by {@link #unwatch} or when timed out. */
    static final class Watch {
        private final Watched connection;
        private TimeoutSweeper sweeper;
        private Watch prev;
        private Watch next;

        private Watch(Watched connection) {
            this.connection = connection;
        }
    }

    /** The sweeper of each event loop thread (a loop runs on one thread; handlers run on their loop). */
    private static final FastThreadLocal<TimeoutSweeper> PER_LOOP = new FastThreadLocal<>();

    private final EventLoop loop;
    private final LongSupplier clock;
    private Watch head;
    private long tickNanos = MAX_TICK_NANOS;
    private ScheduledFuture<?> pending;

    TimeoutSweeper(EventLoop loop, LongSupplier clock) {
        this.loop = loop;
        this.clock = clock;
    }

    /** The sweeper of {@code loop}, on the clock of {@link System#nanoTime()}; call it on that loop. */
    static TimeoutSweeper of(EventLoop loop) {
        assert loop.inEventLoop() : "the sweeper of a loop is kept by the loop's thread";
        TimeoutSweeper sweeper = PER_LOOP.get();
        if (sweeper == null || sweeper.loop != loop) {
            sweeper = new TimeoutSweeper(loop, System::nanoTime);
            PER_LOOP.set(sweeper);
        }
        return sweeper;
    }

    /** Starts watching {@code connection}; {@link #unwatch} with the returned watch ends it. */
    Watch watch(Watched connection) {
        Watch w = new Watch(connection);
        link(w);
        long tick = Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, connection.timeoutNanos() / 8));
        if (tick < tickNanos) {
            tickNanos = tick;
            if (pending != null) {
                pending.cancel(false); // a shorter timeout than any before: sweep at the new pace now
                pending = null;
            }
        }
        if (pending == null) {
            pending = loop.schedule(this::sweep, tickNanos, TimeUnit.NANOSECONDS);
        }
        return w;
    }

    /** Stops watching (the connection closed, the connect completed); nothing happens for a watch already ended. */
    static void unwatch(Watch w) {
        if (w != null && w.sweeper != null) {
            w.sweeper.unlink(w);
        }
    }

    /** How many connections are watched, for tests. */
    int watched() {
        int n = 0;
        for (Watch w = head; w != null; w = w.next) {
            n++;
        }
        return n;
    }

    private void sweep() {
        pending = null;
        long now = clock.getAsLong();
        Watch w = head;
        while (w != null) {
            Watch next = w.next; // timedOut() closes; the close may unlink w, never another watch
            long quiet = now - w.connection.lastActiveNanos();
            if (quiet >= w.connection.timeoutNanos()) {
                unlink(w);
                w.connection.timedOut(quiet);
            }
            w = next;
        }
        if (head != null) {
            pending = loop.schedule(this::sweep, tickNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void link(Watch w) {
        w.sweeper = this;
        w.next = head;
        if (head != null) {
            head.prev = w;
        }
        head = w;
    }

    private void unlink(Watch w) {
        if (w.prev != null) {
            w.prev.next = w.next;
        } else {
            head = w.next;
        }
        if (w.next != null) {
            w.next.prev = w.prev;
        }
        w.prev = null;
        w.next = null;
        w.sweeper = null;
    }
}
