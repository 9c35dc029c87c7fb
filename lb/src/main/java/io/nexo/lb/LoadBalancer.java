package io.nexo.lb;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.ListenerBinder.ListenerRuntime;
import io.nexo.lb.backend.AdminState;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ConfigDiff;
import io.nexo.lb.discovery.DynamicBackends;
import io.nexo.lb.health.HealthChecker;
import io.nexo.lb.proxy.ConnectionTracker;
import io.nexo.lb.proxy.RelayTuning;
import io.nexo.lb.proxy.ListenerState;
import io.nexo.lb.stats.LbStatus;
import io.nexo.lb.upgrade.InheritedListeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The load balancer: the public API and bootstrap. It owns the event loops and the running state
 * (declared and running configuration, pools, listeners), starts, reloads a new configuration without
 * dropping a connection, and stops gracefully. Sockets are bound by {@link ListenerBinder}, pools built
 * by {@link PoolRuntime}, a reload applied by {@link ConfigApplier}; the proxying lives in
 * {@code lb.proxy}.
 *
 * <pre>
 * LoadBalancer lb = new LoadBalancer(BalancerConfig.onePool(listen, backends), 0); // flags: one pool
 * LoadBalancer lb = new LoadBalancer(ConfigLoader.load(file), 0);                   // file: many
 * InetSocketAddress bound = lb.start();   // port 0 in the config: a free port, returned here
 * lb.reload(ConfigLoader.load(file));     // bind new listeners, swap pools, close removed listeners
 * lb.stop(Duration.ofSeconds(30));        // stop accepting, drain, close
 * </pre>
 *
 * <p>Reload keeps every established connection on its backend (connections hold their backend, not
 * the pool) and refuses none: new listeners are bound before removed ones close, a listener whose
 * address stays keeps its socket and only switches the route new connections take.
 */
public final class LoadBalancer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);

    /** Per-direction buffering bound; see {@link RelayTuning#WATER_MARK}. */
    public static final WriteBufferWaterMark WATER_MARK = RelayTuning.WATER_MARK;

    private final int ioThreads;
    private final Transport transport;
    private final ByteBufAllocator allocator;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final ListenerBinder binder;
    private final ConfigApplier applier;
    private final long createdNanos = System.nanoTime();

    /** What runs: {@link #declared} plus the backends found in DNS or added at run time. */
    private volatile BalancerConfig config;
    /** What the flags or the file say; guarded by {@code this}. */
    private BalancerConfig declared;
    private final DynamicBackends dynamic = new DynamicBackends(this::refreshDynamic);
    private volatile Map<String, PoolRuntime> pools;
    /** By {@link ConfigDiff#key}; guarded by {@code this}, read by status() through a copy. */
    private volatile Map<String, ListenerRuntime> listeners = Map.of();

    /** The routes {@link #start} binds, built (certificates loaded) by the constructor. */
    private final Map<String, ListenerState.Route> initialRoutes;
    private EventLoopGroup group;
    private boolean stopped;

    /**
     * A balancer on the fastest transport (io_uring, else epoll, else NIO) with pooled direct buffers.
     *
     * @param ioThreads event loop threads, 0 = one per CPU
     */
    public LoadBalancer(BalancerConfig config, int ioThreads) {
        this(config, ioThreads, Transport.fastest(), PooledByteBufAllocator.DEFAULT);
    }

    /**
     * @throws IllegalArgumentException for a backend name that does not resolve or a certificate file
     *                                  that cannot be used
     */
    public LoadBalancer(BalancerConfig config, int ioThreads, Transport transport, ByteBufAllocator allocator) {
        if (ioThreads < 0) {
            throw new IllegalArgumentException("io-threads: " + ioThreads + " (expected: >= 0, 0 = one per CPU)");
        }
        this.ioThreads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        this.transport = transport;
        this.allocator = allocator;
        this.config = config;
        this.declared = config;
        this.binder = new ListenerBinder(transport, allocator, tracker);
        this.applier = new ConfigApplier(new Routes(), binder, transport, allocator);
        Map<String, PoolRuntime> built = applier.buildPools(config);
        this.pools = built;
        this.initialRoutes = applier.routes(config, built); // certificates load here: a bad file fails now
    }

    /**
     * Binds every listener and starts accepting (and health checking). On failure nothing is left
     * running.
     *
     * @return the bound address of the first listener (the real port when the config asked for 0)
     * @throws ListenException when a listen address cannot be bound
     */
    public InetSocketAddress start() throws ListenException {
        return start(InheritedListeners.none());
    }

    /**
     * {@link #start()}, but a listener whose address is among {@code inherited} adopts that socket (taken
     * over from the process this one replaces) instead of binding; the ones no listener takes are closed.
     * The transport must be epoll (the inherited sockets are epoll channels).
     */
    public synchronized InetSocketAddress start(InheritedListeners inherited) throws ListenException {
        if (group != null || stopped) {
            throw new IllegalStateException("start() may be called once");
        }
        group = transport.newEventLoopGroup(ioThreads, "nexo-lb-io");
        Map<String, ListenerRuntime> bound;
        try {
            bound = binder.bindAll(config.listeners(), initialRoutes, inherited, group, config.accessLog());
        } catch (ListenException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            group = null;
            stopped = true;
            throw e;
        }
        listeners = bound;
        pools.values().forEach(p -> p.startChecks(group));
        dynamic.update(declared);
        for (ListenerRuntime lr : bound.values()) {
            PoolRuntime p = lr.config.pool() == null ? null : pools.get(lr.config.pool());
            log.info("listening on {} ({}, {} io thread{}): listener {}{}{}",
                    HostAndPort.of((InetSocketAddress) lr.channel.localAddress()), transport, ioThreads,
                    ioThreads == 1 ? "" : "s", lr.config.name(),
                    lr.config.tls().routesBySni() ? ", SNI routes " + lr.config.tls().sniRoutes() : "",
                    p == null ? "" : ", pool " + p.pool.name() + ": " + p.pool.policy().name() + " over "
                            + p.pool.all());
        }
        return (InetSocketAddress) bound.values().iterator().next().channel.localAddress();
    }

    /**
     * Applies {@code next} without dropping or refusing a connection. Validation, name resolution and
     * the binding of new listeners happen first; if any fails, this throws and the running
     * configuration is untouched.
     *
     * @return one line per change applied
     * @throws ListenException when a new listener cannot bind
     * @throws IllegalArgumentException when a new backend's name does not resolve
     */
    public synchronized List<String> reload(BalancerConfig next) throws ListenException {
        List<String> changes = apply(dynamic.effective(next, false));
        declared = next;
        dynamic.clearRuntime();
        dynamic.update(next);
        return changes;
    }

    /** Applies a change of the backends found in DNS or added at run time, like a reload. */
    private synchronized void refreshDynamic() {
        if (group == null || stopped) {
            return;
        }
        try {
            apply(dynamic.effective(declared, true));
        } catch (ListenException | IllegalArgumentException e) {
            log.error("backends from DNS or the admin API not applied, the running ones stay: {}", e.getMessage());
        }
    }

    /**
     * Adds a backend to {@code pool} until the next reload, checked and joined like a reloaded one.
     *
     * @throws NoSuchElementException for an unknown pool
     * @throws IllegalArgumentException when the pool already has a backend of that name
     */
    public synchronized void addBackend(String pool, BackendConfig backend) throws ListenException {
        pool(pool); // NoSuchElementException for an unknown pool
        dynamic.addRuntime(config.pools().get(pool), backend);
        try {
            apply(dynamic.effective(declared, true));
        } catch (ListenException | RuntimeException e) {
            dynamic.removeRuntime(pool, backend.name());
            throw e;
        }
    }

    /**
     * Removes a backend added at run time: it takes no new connection, its open ones finish.
     *
     * @throws NoSuchElementException when {@code pool} has no run-time backend of that name
     */
    public synchronized void removeBackend(String pool, String name) throws ListenException {
        dynamic.removeRuntime(pool, name);
        apply(dynamic.effective(declared, true));
    }

    private List<String> apply(BalancerConfig next) throws ListenException {
        if (group == null || stopped) {
            throw new IllegalStateException("the balancer is not running");
        }
        return applier.apply(next, group, running);
    }

    /** The running state as the reload path sees it; used under {@code this}. */
    private final ConfigApplier.Target running = new ConfigApplier.Target() {
        @Override
        public BalancerConfig running() {
            return config;
        }

        @Override
        public Map<String, PoolRuntime> pools() {
            return pools;
        }

        @Override
        public Map<String, ListenerRuntime> listeners() {
            return listeners;
        }

        @Override
        public void switchPools(BalancerConfig next, Map<String, PoolRuntime> nextPools) {
            pools = nextPools;
            config = next;
        }

        @Override
        public void switchListeners(Map<String, ListenerRuntime> nextListeners) {
            listeners = nextListeners;
        }
    };

    /**
     * Re-reads the certificate files of every listener that terminates TLS, for new connections; a bad
     * file changes nothing (the exception names it).
     *
     * @return one line per listener reloaded
     */
    public List<String> reloadCertificates() {
        return ConfigApplier.reloadCertificates(routes());
    }

    /** Each listener's current route, in configuration order. */
    public List<ListenerState.Route> routes() {
        return listeners.values().stream().map(l -> l.state.route()).toList();
    }

    /** The configuration running now. */
    public BalancerConfig balancerConfig() {
        return config;
    }

    /** The backends and their state of the first pool (the only one when started from flags). */
    public BackendPool backends() {
        return pools.values().iterator().next().pool;
    }

    /** The pool called {@code name}. */
    public BackendPool pool(String name) {
        PoolRuntime p = pools.get(name);
        if (p == null) {
            throw new NoSuchElementException("no pool '" + name + "' (pools: " + String.join(", ", pools.keySet()) + ")");
        }
        return p.pool;
    }

    /** The health checker of the first pool, when checks are enabled and the balancer started. */
    public Optional<HealthChecker> healthChecker() {
        return Optional.ofNullable(pools.values().iterator().next().checker);
    }

    /** The health checker of pool {@code name}, when its checks are enabled and the balancer started. */
    public Optional<HealthChecker> healthChecker(String poolName) {
        PoolRuntime p = pools.get(poolName);
        return p == null ? Optional.empty() : Optional.ofNullable(p.checker);
    }

    /** Drains, disables or enables a backend. */
    public Backend setAdminState(String poolName, String backendName, AdminState state) {
        return pool(poolName).setAdminState(backendName, state);
    }

    /** Changes a backend's weight until the next reload. */
    public Backend setWeight(String poolName, String backendName, int weight) {
        return pool(poolName).setWeight(backendName, weight);
    }

    /** The listening channels now, for handing them over to a successor process. */
    public List<Channel> listenerChannels() {
        return listeners.values().stream().map(l -> l.channel).filter(java.util.Objects::nonNull).toList();
    }

    /** Client connections open now, on all listeners. */
    public int openConnections() {
        return tracker.open();
    }

    /** Client connections refused so far because a listener was at its {@code maxConnections}. */
    public long refusedConnections() {
        return listeners.values().stream().mapToLong(l -> l.state.stats().refused()).sum();
    }

    /** The first listener's address, or empty before start and after stop. */
    public Optional<InetSocketAddress> address() {
        return listeners.values().stream().findFirst()
                .filter(l -> l.channel != null && l.channel.isOpen())
                .map(l -> (InetSocketAddress) l.channel.localAddress());
    }

    /** Bound addresses by listener name, in configuration order. */
    public Map<String, InetSocketAddress> addresses() {
        Map<String, InetSocketAddress> map = new LinkedHashMap<>();
        for (ListenerRuntime l : listeners.values()) {
            if (l.channel != null && l.channel.isOpen()) {
                map.put(l.config.name(), (InetSocketAddress) l.channel.localAddress());
            }
        }
        return map;
    }

    /** Listeners, pools, backends and their counters now. */
    public LbStatus status() {
        List<LbStatus.Listener> ls = new ArrayList<>();
        for (ListenerRuntime l : listeners.values()) {
            Channel ch = l.channel;
            String listen = ch != null ? HostAndPort.of((InetSocketAddress) ch.localAddress()).toString()
                    : l.config.listen().toString();
            ls.add(new LbStatus.Listener(l.config.name(), listen, l.config.pool(), l.config.maxConnections(),
                    l.config.maxConnectionsPerIp(), l.state.stats().active(), l.state.stats().accepted(),
                    l.state.stats().refused(), l.state.stats().refusedPerIpCount()));
        }
        List<LbStatus.Pool> ps = new ArrayList<>();
        for (PoolRuntime p : pools.values()) {
            List<LbStatus.Backend> bs = new ArrayList<>();
            for (Backend b : p.pool.all()) {
                double check = b.stats().lastCheckSeconds();
                bs.add(new LbStatus.Backend(b.name(), b.address().toString(), b.weight(), b.backup(),
                        b.maxConnections(), b.state(), b.isUp() ? "up" : "down", b.activeConnections(),
                        b.stats().total(), b.stats().bytesIn(), b.stats().bytesOut(), b.stats().connectFailures(),
                        check < 0 ? null : check * 1000, b.stats().checks(), b.stats().checkFailures(),
                        b.stats().lastCheckError()));
            }
            ps.add(new LbStatus.Pool(p.config.name(), p.pool.policy().name(), p.config.proxyProtocol().configName(),
                    bs, dynamic.status(p.config.name()), !p.config.backendTls().enabled() ? null
                    : new LbStatus.BackendTls(p.backendTlsStats.handshakes(), p.backendTlsStats.failures())));
        }
        return new LbStatus(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - createdNanos), ls, ps,
                Routes.status(routes(), java.time.Instant.now()));
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
        dynamic.close();
        if (group == null) {
            return 0;
        }
        binder.unbind(listeners.values());
        pools.values().forEach(PoolRuntime::stopChecks);
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
