package io.nexo.bench.latency;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.nexo.core.transport.Transport;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP splice proxy for tests that closes as HAProxy does in {@code mode tcp}: when the server closes,
 * the client gets the rest of the answer and a FIN (half close), and the client's session ends only
 * when the client closes its side. It counts the client connections it accepted and those the client
 * closed, so a test can check that the generator ends every session itself.
 */
final class HalfCloseProxy implements AutoCloseable {

    private final EventLoopGroup group = Transport.nio().newEventLoopGroup(1, "test-proxy");
    private final AtomicInteger accepted = new AtomicInteger();
    private final CountDownLatch clientsClosed;
    private final int port;

    /** Listens on an ephemeral port of 127.0.0.1 and splices to {@code backend}; expects {@code clients} sessions. */
    HalfCloseProxy(InetSocketAddress backend, int clients) {
        this.clientsClosed = new CountDownLatch(clients);
        Channel server = new ServerBootstrap().group(group).channel(Transport.nio().serverChannelClass())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel client) {
                        accepted.incrementAndGet();
                        client.pipeline().addLast(new Frontend(backend));
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    int port() {
        return port;
    }

    int accepted() {
        return accepted.get();
    }

    /** Counts down once per client session the client ended (its FIN or reset). */
    CountDownLatch clientsClosed() {
        return clientsClosed;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Client side: connects to the backend on its own event loop, then moves bytes both ways. */
    private final class Frontend extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress backend;
        private Channel outbound;
        private boolean ended;

        Frontend(InetSocketAddress backend) {
            this.backend = backend;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            ChannelFuture f = new Bootstrap().group(client.eventLoop()).channel(client.getClass())
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new Backend(client)).connect(backend);
            outbound = f.channel();
            f.addListener((ChannelFuture c) -> {
                if (c.isSuccess()) {
                    client.config().setAutoRead(true);
                } else {
                    client.close();
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            outbound.writeAndFlush(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                clientEnded(ctx.channel()); // the client's FIN: its session is over
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            clientEnded(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void clientEnded(Channel client) {
            if (!ended) {
                ended = true;
                clientsClosed.countDown();
                client.close();
                if (outbound != null) {
                    outbound.close();
                }
            }
        }
    }

    /** Server side: answers go to the client; the server's FIN becomes a half close toward the client. */
    private static final class Backend extends ChannelInboundHandlerAdapter {
        private final Channel client;

        Backend(Channel client) {
            this.client = client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            client.writeAndFlush(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                halfCloseClient();
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            halfCloseClient();
        }

        private void halfCloseClient() {
            if (client.isActive()) {
                client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f ->
                        ((DuplexChannel) client).shutdownOutput());
            }
        }
    }
}
