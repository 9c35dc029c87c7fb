package io.nexo.lb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Knows every open client connection of a balancer, across all its listeners (also those a reload
 * removed), so a stopping balancer can wait for them to finish (drain) or close them. Limits are
 * per listener ({@link io.nexo.lb.stats.ListenerStats#tryAccept}).
 */
public final class ConnectionTracker {

    private final AtomicInteger open = new AtomicInteger();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final Object drained = new Object();
    /** One listener for every connection (it finds the channel in the future): nothing allocated per connection. */
    private final ChannelFutureListener untrack = this::untrack;

    /** Tracks {@code client} until it closes. */
    void track(Channel client) {
        open.incrementAndGet();
        channels.add(client);
        client.closeFuture().addListener(untrack);
    }

    private void untrack(ChannelFuture closed) {
        channels.remove(closed.channel());
        if (open.decrementAndGet() == 0) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    public int open() {
        return open.get();
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
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel ch : channels) {
            closing.add(ch.close());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ChannelFuture f : closing) {
            if (!f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return;
            }
        }
    }
}
