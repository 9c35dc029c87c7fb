package io.nexo.tools.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.ListenException;
import io.nexo.lb.health.HealthChecker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The seed's demo backend server: for each connection, read one request (whatever the first read
 * brings, or nothing if the client closes first), answer {@code Response from <name>\n} and close.
 * Serves many connections at once on a single event loop thread.
 */
public final class DemoBackend implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoBackend.class);

    private final String name;
    private final HostAndPort listen;
    private final Transport transport;
    private EventLoopGroup group;
    private Channel serverChannel;

    public DemoBackend(String name, HostAndPort listen) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name: empty (expected: a server name such as 'Server 1')");
        }
        this.listen = Objects.requireNonNull(listen, "listen");
        this.transport = Transport.best();
    }

    /** The exact bytes this backend answers with. */
    public static String responseOf(String name) {
        return "Response from " + name + "\n";
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound address
     * @throws ListenException when the address cannot be bound; nothing is left running
     */
    public synchronized InetSocketAddress start() throws ListenException {
        if (group != null) {
            throw new IllegalStateException("already started");
        }
        group = transport.newEventLoopGroup(1, "nexo-backend");
        ByteBuf response = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(responseOf(name),
                StandardCharsets.UTF_8).asReadOnly());
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        log.info("[{}] connection from {}", name, ch.remoteAddress());
                        ch.pipeline().addLast(new AnswerOnce(response));
                    }
                })
                .bind(listen.toSocketAddress())
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            group = null;
            throw new ListenException("cannot listen on " + listen + ": " + HealthChecker.describe(bind.cause()),
                    bind.cause());
        }
        serverChannel = bind.channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public String name() {
        return name;
    }

    /** Stops listening and closes open connections. Idempotent. */
    @Override
    public synchronized void close() {
        if (group != null) {
            serverChannel.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            group = null;
        }
    }

    /** Answers the first request of a connection, then closes it. */
    private final class AnswerOnce extends ChannelInboundHandlerAdapter {
        private final ByteBuf response;
        private boolean answered;

        AnswerOnce(ByteBuf response) {
            this.response = response;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            answer(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                answer(ctx); // the client closed its side without a request; the seed answered anyway
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void answer(ChannelHandlerContext ctx) {
            if (!answered) {
                answered = true;
                ctx.writeAndFlush(response.duplicate()).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                log.debug("[{}] {}: {}", name, ctx.channel().remoteAddress(), cause.toString());
            } else {
                log.warn("[{}] {}: unexpected error", name, ctx.channel().remoteAddress(), cause);
            }
            ctx.close();
        }
    }
}
