package io.nexo.p2p.gossip;

import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A discrete-event scheduler for simulations of many routers: virtual time, a priority queue of
 * timers (ties run in scheduling order), time moves only in {@link #runUntil}.
 */
class SimScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long nowNanos;
    private long sequence;

    long nanoTime() {
        return nowNanos;
    }

    /** Timers scheduled and not yet run or cancelled. */
    long pending() {
        return tasks.stream().filter(t -> !t.cancelled).count();
    }

    /** Runs every task due by {@code targetNanos} in time order, then sets the clock to it. */
    void runUntil(long targetNanos) {
        while (!tasks.isEmpty() && tasks.peek().at <= targetNanos) {
            Task t = tasks.poll();
            if (!t.cancelled) {
                nowNanos = t.at;
                t.done = true;
                t.run.run();
            }
        }
        nowNanos = Math.max(nowNanos, targetNanos);
    }

    ScheduledFuture<?> at(long atNanos, Runnable command) {
        Task t = new Task(Math.max(atNanos, nowNanos), sequence++, command);
        tasks.add(t);
        return t;
    }

    private final class Task implements ScheduledFuture<Object> {
        final long at;
        final long seq;
        final Runnable run;
        boolean cancelled;
        boolean done;

        Task(long at, long seq, Runnable run) {
            this.at = at;
            this.seq = seq;
            this.run = run;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(at - nowNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task other = (Task) o;
            int c = Long.compare(at, other.at);
            return c != 0 ? c : Long.compare(seq, other.seq);
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            boolean was = !cancelled && !done;
            cancelled = true;
            return was;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled || done;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return at(nowNanos + unit.toNanos(delay), command);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
        command.run();
    }

    @Override
    public void shutdown() {
    }

    @Override
    public List<Runnable> shutdownNow() {
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
