package io.nexo.p2p.plaintext;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.node.ConnectFailure;
import io.nexo.p2p.node.PeerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The seed's raw-text chat ({@code nexo peer --plaintext}): newline-terminated UTF-8 lines over
 * plain TCP to every directly connected peer, no encryption, no identity, no gossip. Anyone on the
 * path can read and change the traffic; it exists so that {@code nc} and the seed's program can
 * talk to nexo. Never the default.
 */
public final class PlaintextChat implements AutoCloseable {

    /** What the chat reports; called on I/O threads. */
    public interface Listener {
        void connected(HostAndPort peer, boolean outbound);

        void disconnected(HostAndPort peer);

        void line(HostAndPort peer, String text);
    }

    private static final Logger log = LoggerFactory.getLogger(PlaintextChat.class);

    private final HostAndPort listen;
    private final int maxLineBytes;
    private final Listener listener;
    private final EventLoopGroup group = Transport.best().newEventLoopGroup(1, "nexo-plaintext");
    private final ChannelGroup peers = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private Channel server;

    public PlaintextChat(HostAndPort listen, int maxLineBytes, Listener listener) {
        this.listen = listen;
        this.maxLineBytes = maxLineBytes;
        this.listener = listener;
    }

    /** Binds; returns the bound address. */
    public HostAndPort start() {
        ChannelFuture f = new ServerBootstrap().group(group).channel(Transport.best().serverChannelClass())
                .childHandler(new Init(false)).bind(listen.toSocketAddress()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new PeerException("cannot listen on " + listen + ": "
                    + (String.valueOf(f.cause().getMessage()).contains("in use") ? "address in use" : f.cause().getMessage()));
        }
        server = f.channel();
        log.warn("PLAINTEXT mode on {}: no encryption, no authentication; anyone can read and forge messages",
                server.localAddress());
        return HostAndPort.of((InetSocketAddress) server.localAddress());
    }

    /** Dials {@code peer}; completes once connected. */
    public CompletableFuture<HostAndPort> connect(HostAndPort peer) {
        CompletableFuture<HostAndPort> result = new CompletableFuture<>();
        new Bootstrap().group(group).channel(Transport.best().socketChannelClass()).handler(new Init(true))
                .connect(peer.toSocketAddress()).addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        result.complete(peer);
                    } else {
                        result.completeExceptionally(new PeerException("cannot connect to " + peer + ": "
                                + ConnectFailure.describe(f.cause())));
                    }
                });
        return result;
    }

    /** Sends a line to every connected peer; returns how many. */
    public int send(String text) {
        peers.writeAndFlush(text + "\n");
        return peers.size();
    }

    public List<HostAndPort> peers() {
        return peers.stream().map(c -> HostAndPort.of((InetSocketAddress) c.remoteAddress())).toList();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        peers.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private final class Init extends ChannelInitializer<SocketChannel> {
        private final boolean outbound;

        Init(boolean outbound) {
            this.outbound = outbound;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new LineBasedFrameDecoder(maxLineBytes, true, true),
                    new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                    new LineHandler(outbound));
        }
    }

    private final class LineHandler extends SimpleChannelInboundHandler<String> {
        private final boolean outbound;
        private HostAndPort remote;

        LineHandler(boolean outbound) {
            this.outbound = outbound;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            remote = HostAndPort.of((InetSocketAddress) ctx.channel().remoteAddress());
            peers.add(ctx.channel());
            listener.connected(remote, outbound);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            listener.line(remote, text);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            listener.disconnected(remote);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                log.warn("plaintext peer {} sent a line over {} bytes; closing", remote, maxLineBytes);
            } else {
                log.debug("plaintext peer {}: {}", remote, cause.toString());
            }
            ctx.close();
        }
    }
}
