package io.nexo.core.admin;

import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP/1.1 server: one event loop thread of its own, so a slow scrape or a reload never
 * runs on the proxy's event loops. It binds only the address it is given; nexo never picks a
 * wildcard address by itself.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** Largest request line, header block and body accepted; admin requests are tiny. */
    public static final int MAX_INITIAL_LINE = 4096;
    public static final int MAX_HEADERS = 8192;
    public static final int MAX_BODY = 64 * 1024;
    /** A client that sends nothing for this long is disconnected. */
    public static final int IDLE_SECONDS = 60;

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds {@code address} and serves {@code router} with Host and Origin checks but no token. */
    public static AdminServer start(HostAndPort address, AdminRouter router) {
        return start(address, router, AdminAccessPolicy.hostChecksOnly(address));
    }

    /**
     * Binds {@code address} and serves {@code router} to the requests {@code access} lets through.
     *
     * @throws IllegalStateException naming the address when the bind fails (e.g. port in use);
     *         nothing is left running then
     */
    public static AdminServer start(HostAndPort address, AdminRouter router, AdminAccessPolicy access) {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newEventLoopGroup(1, "nexo-admin");
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, 8192))
                                    // answers 413 and closes by itself when a body exceeds MAX_BODY
                                    .addLast(new HttpObjectAggregator(MAX_BODY))
                                    .addLast(new AdminHttpHandler(router, access));
                        }
                    })
                    .bind(address.toSocketAddress())
                    .syncUninterruptibly()
                    .channel();
            AdminServer server = new AdminServer(group, channel);
            log.info("admin API listening on http://{}/", server.address());
            return server;
        } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("admin: cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /** The bound address (with the real port when 0 was asked). */
    public HostAndPort address() {
        return HostAndPort.of((InetSocketAddress) channel.localAddress());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
