package io.nexo.lb;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.nexo.core.transport.Transport;
import io.nexo.lb.config.ConfigDiff;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.health.HealthChecker;
import io.nexo.lb.proxy.ConnectionTracker;
import io.nexo.lb.proxy.FrontendInitializer;
import io.nexo.lb.proxy.ListenerState;
import io.nexo.lb.proxy.RelayTuning;
import io.nexo.lb.upgrade.InheritedListeners;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds and unbinds listening sockets: a fresh bind, or the adoption of a socket inherited from the
 * process this one replaces. Knows nothing of pools or reloads.
 */
final class ListenerBinder {

    /** A listening socket and the route its new connections take. */
    static final class ListenerRuntime {
        volatile ListenerConfig config;
        final ListenerState state;
        Channel channel;

        ListenerRuntime(ListenerConfig config, ListenerState state) {
            this.config = config;
            this.state = state;
        }
    }

    private final Transport transport;
    private final ByteBufAllocator allocator;
    private final ConnectionTracker tracker;

    ListenerBinder(Transport transport, ByteBufAllocator allocator, ConnectionTracker tracker) {
        this.transport = transport;
        this.allocator = allocator;
        this.tracker = tracker;
    }

    /**
     * Binds (or adopts from {@code inherited}) every listener of {@code listeners}, by
     * {@link ConfigDiff#key}. The inherited sockets no listener takes are closed; on failure every
     * socket bound here is closed too.
     *
     * @throws ListenException when an address cannot be bound, or a takeover adopted no socket
     */
    Map<String, ListenerRuntime> bindAll(List<ListenerConfig> listeners, Map<String, ListenerState.Route> routes,
                                         InheritedListeners inherited, EventLoopGroup group, boolean accessLog)
            throws ListenException {
        Map<String, ListenerRuntime> bound = new LinkedHashMap<>();
        try {
            for (ListenerConfig lc : listeners) {
                ListenerRuntime lr = new ListenerRuntime(lc, new ListenerState(routes.get(ConfigDiff.key(lc))));
                bind(lr, inherited, group, accessLog);
                bound.put(ConfigDiff.key(lc), lr);
            }
            if (inherited.noneTaken()) {
                throw new ListenException("takeover: no listener is on an address of the old process's sockets "
                        + inherited.offered() + "; give the same addresses (not port 0) or the old one keeps them", null);
            }
            inherited.closeRest();
        } catch (ListenException e) {
            inherited.closeRest();
            unbind(bound.values());
            throw e;
        }
        return bound;
    }

    /** Binds {@code lr}'s address, or adopts the socket {@code inherited} holds for it. */
    void bind(ListenerRuntime lr, InheritedListeners inherited, EventLoopGroup group, boolean accessLog)
            throws ListenException {
        InetSocketAddress address = lr.config.listen().toSocketAddress();
        Optional<ServerChannel> adopted = inherited.take(address);
        ServerBootstrap bootstrap = new ServerBootstrap().group(group);
        if (adopted.isPresent()) {
            bootstrap.channelFactory(adopted::get);
        } else {
            bootstrap.channel(transport.serverChannelClass());
        }
        bootstrap
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, RelayTuning.READ_BUFFERS)
                // TCP_NODELAY: Netty turns it on for every socket it creates (epoll and NIO); setting it
                // again would cost one more setsockopt per connection
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, LoadBalancer.WATER_MARK)
                .childHandler(new FrontendInitializer(lr.state, tracker, accessLog));
        // an adopted socket is bound and listening already: registering it starts the accepting
        ChannelFuture bind = (adopted.isPresent() ? bootstrap.register() : bootstrap.bind(address))
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new ListenException("cannot listen on " + lr.config.listen() + ": "
                    + HealthChecker.describe(bind.cause()), bind.cause());
        }
        lr.channel = bind.channel();
    }

    /**
     * Closes the server sockets of {@code listeners}; their accepted connections keep running (tracked
     * until they end).
     */
    void unbind(Iterable<ListenerRuntime> listeners) {
        for (ListenerRuntime lr : listeners) {
            lr.channel.close().awaitUninterruptibly();
        }
    }
}
