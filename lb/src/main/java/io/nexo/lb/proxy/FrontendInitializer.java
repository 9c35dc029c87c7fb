package io.nexo.lb.proxy;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds the pipeline of each accepted client connection: admits it under the listener's
 * {@code max-connections-per-ip} and {@code max-connections} and adds one {@link FrontendHandler} bound
 * to the listener's current route, after the TLS handlers when the route terminates TLS or routes by SNI.
 */
public final class FrontendInitializer extends ChannelInitializer<SocketChannel> {

    private static final Logger log = LoggerFactory.getLogger(FrontendInitializer.class);
    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ListenerState listener;
    private final ConnectionTracker tracker;
    private final boolean accessLog;
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    private final AtomicLong lastPerIpLog = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    /** Gives back an admitted connection's slots; one listener for all (nothing allocated per connection). */
    private final ChannelFutureListener released = this::release;

    public FrontendInitializer(ListenerState listener, ConnectionTracker tracker, boolean accessLog) {
        this.listener = listener;
        this.tracker = tracker;
        this.accessLog = accessLog;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ListenerState.Route route = listener.route();
        InetSocketAddress remote = ch.remoteAddress();
        InetAddress client = remote == null ? null : remote.getAddress();
        // per client first: a client over its own limit must not take (even briefly) a listener slot
        if (client != null && !listener.perIp().tryAcquire(client, route.maxConnectionsPerIp())) {
            listener.stats().refusedPerIp();
            if (shouldLog(lastPerIpLog)) {
                log.warn("listener {}: refusing client {}: it has {} connections open, the limit "
                        + "(max-connections-per-ip, per IPv4 address or IPv6 /64); {} refused so far",
                        route.listenerName(), remote, route.maxConnectionsPerIp(),
                        listener.stats().refusedPerIpCount());
            }
            ch.close();
            return;
        }
        if (!listener.stats().tryAccept(route.maxConnections())) {
            if (client != null) {
                listener.perIp().release(client);
            }
            if (shouldLog(lastRefusalLog)) {
                log.warn("listener {}: refusing client {}: {} connections open, the limit (max-connections); "
                        + "{} refused so far", route.listenerName(), remote, route.maxConnections(),
                        listener.stats().refused());
            }
            ch.close();
            return;
        }
        ch.closeFuture().addListener(released);
        tracker.track(ch);
        if (route.sni() != null) {
            // the FrontendHandler is added once the ClientHello named a pool
            ch.pipeline().addLast(new SniRouteHandler(route.sni(), route, accessLog),
                    new TlsEvents(route.sni().stats(), false));
            return;
        }
        if (route.tls() != null) {
            ch.pipeline().addLast(route.tls().newHandler(), new TlsEvents(route.tls().stats(), true));
        }
        ch.pipeline().addLast(new FrontendHandler(route.connector(), route.idleNanos(),
                new ConnectionRecord(route.listenerName(), remote), accessLog));
    }

    private void release(ChannelFuture closed) {
        listener.stats().closed();
        // the address cached when the channel was accepted (Netty keeps it after the close)
        InetSocketAddress remote = (InetSocketAddress) closed.channel().remoteAddress();
        if (remote != null) {
            listener.perIp().release(remote.getAddress());
        }
    }

    /** At most one refusal line per second and kind, so a flood cannot flood the log too. */
    private static boolean shouldLog(AtomicLong last) {
        long now = System.nanoTime();
        long before = last.get();
        return now - before >= REFUSAL_LOG_INTERVAL_NANOS && last.compareAndSet(before, now);
    }
}
