package io.nexo.lb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the open client connections, refuses those above {@code --max-connections} and lets a
 * stopping balancer wait for the rest to finish (drain) or close them.
 */
public final class ConnectionTracker {

    private static final Logger log = LoggerFactory.getLogger(ConnectionTracker.class);
    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    private final Object drained = new Object();

    public ConnectionTracker(int max) {
        this.max = max;
    }

    /** Admits {@code client}, or returns false (and logs, at most once a second) when full. */
    boolean tryAdmit(Channel client) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            long total = refused.incrementAndGet();
            long now = System.nanoTime();
            long last = lastRefusalLog.get();
            if (now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLog.compareAndSet(last, now)) {
                log.warn("refusing client {}: {} connections open, the limit (--max-connections); "
                        + "{} refused so far", client.remoteAddress(), max, total);
            }
            return false;
        }
        channels.add(client);
        client.closeFuture().addListener(f -> {
            if (open.decrementAndGet() == 0) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        });
        return true;
    }

    public int open() {
        return open.get();
    }

    public long refused() {
        return refused.get();
    }

    /** Waits until no connection is open or {@code timeout} passed; returns whether all finished. */
    public boolean awaitNoneOpen(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (drained) {
            while (open.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(drained, left);
            }
        }
        return true;
    }

    /** Closes every open client connection (their backends follow). */
    public void closeAll() {
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
