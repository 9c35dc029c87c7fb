package io.nexo.lb.discovery;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.DnsConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.stats.LbStatus;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;

/**
 * The backends of each pool that its configuration does not list: those found in DNS (one
 * {@link DnsBackendDiscovery} per pool with {@code backend-dns}) and those added through the admin
 * API. {@link #effective} merges them into the declared configuration; whenever they change,
 * {@code onChange} runs so the balancer applies the result like a reload.
 *
 * <p>DNS runs on an event loop of its own (NIO, one thread), so resolution never delays the proxy's
 * event loops. A file reload drops the run-time backends (the file is the truth, as in HAProxy) and
 * keeps a pool's discovery, with its last good answers, when its DNS settings are unchanged.
 */
public final class DynamicBackends implements AutoCloseable {

    /** How long one DNS query may take before the next server is asked. */
    public static final long QUERY_TIMEOUT_MILLIS = 2_000;

    private record Discovery(DnsConfig config, DnsNameResolver resolver, DnsBackendDiscovery discovery) {
    }

    private final Runnable onChange;
    /** Guarded by {@code this}. */
    private final Map<String, Discovery> discoveries = new LinkedHashMap<>();
    /** Pool -> backends added at run time, guarded by {@code this}. */
    private final Map<String, List<BackendConfig>> runtime = new LinkedHashMap<>();
    private EventLoopGroup dnsLoop;
    private boolean closed;

    public DynamicBackends(Runnable onChange) {
        this.onChange = onChange;
    }

    /** Starts, keeps or stops each pool's discovery so that it matches {@code declared}. */
    public synchronized void update(BalancerConfig declared) {
        if (closed) {
            return;
        }
        for (var it = discoveries.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            PoolConfig pc = declared.pools().get(e.getKey());
            if (pc == null || !pc.dns().equals(e.getValue().config())) {
                stop(e.getValue());
                it.remove();
            }
        }
        for (PoolConfig pc : declared.pools().values()) {
            if (pc.dns().enabled() && !discoveries.containsKey(pc.name())) {
                if (dnsLoop == null) {
                    dnsLoop = Transport.nio().newEventLoopGroup(1, "nexo-lb-dns");
                }
                EventLoop loop = dnsLoop.next();
                DnsNameResolver resolver = resolver(pc.dns(), loop);
                DnsBackendDiscovery d = new DnsBackendDiscovery(pc.name(), pc.dns(), resolver, loop, b -> onChange.run());
                discoveries.put(pc.name(), new Discovery(pc.dns(), resolver, d));
                d.start();
            }
        }
        runtime.keySet().retainAll(declared.pools().keySet());
    }

    /** Forgets the run-time backends (a file reload: the file is the truth). */
    public synchronized void clearRuntime() {
        runtime.clear();
    }

    /**
     * {@code declared} with each pool's backends followed by those found in DNS and (when
     * {@code withRuntime}) those added at run time; a name already listed keeps its listed settings.
     */
    public synchronized BalancerConfig effective(BalancerConfig declared, boolean withRuntime) {
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        for (PoolConfig pc : declared.pools().values()) {
            Map<String, BackendConfig> all = new LinkedHashMap<>();
            pc.backends().forEach(b -> all.put(b.name(), b));
            Discovery d = discoveries.get(pc.name());
            if (d != null) {
                d.discovery().backends().forEach(b -> all.putIfAbsent(b.name(), b));
            }
            (withRuntime ? runtime.getOrDefault(pc.name(), List.<BackendConfig>of()) : List.<BackendConfig>of()).forEach(b -> all.putIfAbsent(b.name(), b));
            pools.put(pc.name(), all.size() == pc.backends().size() ? pc : pc.withBackends(List.copyOf(all.values())));
        }
        return declared.withPools(pools);
    }

    /**
     * Adds a backend to {@code pool} until the next file reload.
     *
     * @throws IllegalArgumentException when the pool already has a backend of that name
     */
    public synchronized void addRuntime(PoolConfig pool, BackendConfig backend) {
        if (pool.backend(backend.name()) != null) {
            throw new IllegalArgumentException("pool " + pool.name() + " already has a backend '" + backend.name()
                    + "' (expected: a new name)");
        }
        runtime.computeIfAbsent(pool.name(), k -> new ArrayList<>()).add(backend);
    }

    /**
     * Removes a backend added at run time.
     *
     * @throws NoSuchElementException when {@code pool} has no run-time backend of that name
     */
    public synchronized BackendConfig removeRuntime(String pool, String name) {
        List<BackendConfig> list = runtime.getOrDefault(pool, List.of());
        for (BackendConfig b : list) {
            if (b.name().equals(name)) {
                list.remove(b);
                return b;
            }
        }
        throw new NoSuchElementException("pool " + pool + " has no backend '" + name
                + "' added at run time (listed and DNS backends change through the file or DNS)");
    }

    /** The DNS discovery of {@code pool}, null when it has none. */
    public synchronized LbStatus.Dns status(String pool) {
        Discovery d = discoveries.get(pool);
        return d == null ? null : d.discovery().status();
    }

    private static DnsNameResolver resolver(DnsConfig dns, EventLoop loop) {
        DnsServerAddressStreamProvider servers;
        if (dns.servers().isEmpty()) {
            servers = DnsServerAddressStreamProviders.platformDefault();
        } else {
            List<InetSocketAddress> addresses = dns.servers().stream().map(HostAndPort::toSocketAddress).toList();
            servers = new SequentialDnsServerAddressStreamProvider(addresses);
        }
        // no caches: every round must see what the server says now
        return new DnsNameResolverBuilder(loop)
                .datagramChannelType(Transport.nio().datagramChannelClass())
                .socketChannelType(Transport.nio().socketChannelClass())
                .nameServerProvider(servers)
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .queryTimeoutMillis(QUERY_TIMEOUT_MILLIS)
                .build();
    }

    private static void stop(Discovery d) {
        d.discovery().close();
        d.resolver().close();
    }

    @Override
    public synchronized void close() {
        closed = true;
        discoveries.values().forEach(DynamicBackends::stop);
        discoveries.clear();
        if (dnsLoop != null) {
            dnsLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
