package io.nexo.lb;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.nexo.core.transport.Transport;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.health.HealthChecker;
import io.nexo.lb.policy.LoadBalancingPolicy;
import io.nexo.lb.policy.Policies;
import io.nexo.lb.proxy.BackendConnector;
import io.nexo.lb.proxy.ConnectionTracker;
import io.nexo.lb.proxy.FrontendInitializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The load balancer: binds the listener, owns the event loops, the backend pool and the health
 * checker, and stops gracefully. The proxying itself lives in {@code lb.proxy}.
 *
 * <pre>
 * LoadBalancer lb = new LoadBalancer(LbConfig.defaults(listen, backends));
 * InetSocketAddress bound = lb.start();   // port 0 in the config: a free port, returned here
 * ...
 * lb.stop(Duration.ofSeconds(30));         // stop accepting, drain, close
 * </pre>
 */
public final class LoadBalancer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);

    /**
     * Per-direction buffering bound: a direction stops reading once this much is unsent to the slower
     * side (and resumes below the low mark). 64 KiB, Netty's default, is enough to keep a loopback or
     * LAN socket busy while keeping thousands of stalled connections cheap.
     */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final LbConfig config;
    private final Transport transport;
    private final ByteBufAllocator allocator;
    private final BackendPool pool;
    private final ConnectionTracker tracker;

    private EventLoopGroup group;
    private volatile Channel serverChannel;
    private volatile HealthChecker healthChecker;
    private boolean stopped;

    /** A balancer on the best transport (epoll, else NIO) with pooled direct buffers. */
    public LoadBalancer(LbConfig config) {
        this(config, Transport.best(), PooledByteBufAllocator.DEFAULT);
    }

    /**
     * @throws IllegalArgumentException for an unknown policy or a backend name that does not resolve
     */
    public LoadBalancer(LbConfig config, Transport transport, ByteBufAllocator allocator) {
        this.config = config;
        this.transport = transport;
        this.allocator = allocator;
        LoadBalancingPolicy policy = Policies.byName(config.policy());
        this.pool = new BackendPool(config.backends(), config.rise(), config.fall(), policy,
                config.healthChecksEnabled());
        this.tracker = new ConnectionTracker(config.maxConnections());
    }

    /**
     * Binds and starts accepting (and health checking). On failure nothing is left running.
     *
     * @return the bound address (the real port when the config asked for port 0)
     * @throws ListenException when the listen address cannot be bound
     */
    public synchronized InetSocketAddress start() throws ListenException {
        if (group != null || stopped) {
            throw new IllegalStateException("start() may be called once");
        }
        int threads = config.effectiveIoThreads();
        group = transport.newEventLoopGroup(threads, "nexo-lb-io");
        BackendConnector connector = new BackendConnector(pool, transport.socketChannelClass(),
                (int) config.connectTimeout().toMillis(), allocator, WATER_MARK);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new FrontendInitializer(connector, tracker, config.idleTimeout().toNanos()));
        InetSocketAddress wanted = config.listen().toSocketAddress();
        ChannelFuture bind = bootstrap.bind(wanted).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            group = null;
            stopped = true;
            throw new ListenException("cannot listen on " + config.listen() + ": "
                    + HealthChecker.describe(bind.cause()), bind.cause());
        }
        serverChannel = bind.channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        if (config.healthChecksEnabled()) {
            Duration checkTimeout = config.connectTimeout().compareTo(config.checkInterval()) < 0
                    ? config.connectTimeout() : config.checkInterval();
            healthChecker = new HealthChecker(pool, group.next(), transport.socketChannelClass(),
                    config.checkInterval(), checkTimeout);
            healthChecker.start();
        }
        log.info("listening on {} ({}, {} io thread{}): {} over {}", io.nexo.core.net.HostAndPort.of(bound), transport, threads,
                threads == 1 ? "" : "s", pool.policy().name(), pool.all());
        return bound;
    }

    public LbConfig config() {
        return config;
    }

    /** The backends and their state. */
    public BackendPool backends() {
        return pool;
    }

    /** The health checker, when checks are enabled and the balancer started. */
    public Optional<HealthChecker> healthChecker() {
        return Optional.ofNullable(healthChecker);
    }

    /** Client connections open now. */
    public int openConnections() {
        return tracker.open();
    }

    /** Client connections refused so far because of {@code maxConnections}. */
    public long refusedConnections() {
        return tracker.refused();
    }

    /** The listening address, or empty before start and after stop. */
    public Optional<InetSocketAddress> address() {
        Channel ch = serverChannel;
        return ch != null && ch.isOpen() ? Optional.of((InetSocketAddress) ch.localAddress()) : Optional.empty();
    }

    /**
     * Stops gracefully: no new connections, open ones get up to {@code drainTimeout} to finish, then
     * whatever is left is closed and the event loops stop. Idempotent.
     *
     * @return how many connections were still open when the drain time ran out (closed by force)
     */
    public synchronized int stop(Duration drainTimeout) {
        if (stopped) {
            return 0;
        }
        stopped = true;
        if (group == null) {
            return 0;
        }
        serverChannel.close().awaitUninterruptibly();
        if (healthChecker != null) {
            healthChecker.close();
        }
        int forced = 0;
        int open = tracker.open();
        if (open > 0) {
            log.info("stopped accepting; draining {} open connection{} (up to {} s)", open,
                    open == 1 ? "" : "s", drainTimeout.toMillis() / 1000.0);
            boolean drained;
            try {
                drained = tracker.awaitNoneOpen(drainTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                drained = false;
            }
            if (!drained) {
                forced = tracker.open();
                log.warn("drain timeout: closing {} connection{} still open", forced, forced == 1 ? "" : "s");
                tracker.closeAll();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        log.info("stopped");
        return forced;
    }

    /** Closes every open client connection now (e.g. to cut a drain short); does not stop accepting. */
    public void closeAllConnections() {
        tracker.closeAll();
    }

    /** {@link #stop(Duration)} with the configured drain timeout. */
    @Override
    public void close() {
        stop(config.drainTimeout());
    }
}
