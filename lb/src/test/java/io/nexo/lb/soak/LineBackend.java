package io.nexo.lb.soak;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A keep-alive line server on one event loop, for load tests: each line {@code L} is answered with
 * {@code NAME L}; the line {@code big} is answered with {@link #BIG_SIZE} bytes from one shared
 * direct buffer (no copy per answer). It stops reading a connection while that connection's
 * output is above the write buffer's high water mark, so a client that never reads costs it no
 * memory either.
 */
final class LineBackend implements AutoCloseable {

    static final int BIG_SIZE = 1 << 20;
    /** Direct, so that the native transport writes it as it is (a heap buffer would be copied per write). */
    private static final ByteBuf BIG = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(BIG_SIZE).writeZero(BIG_SIZE));

    private final EventLoopGroup group;
    private final Channel server;

    LineBackend(String name) throws InterruptedException {
        Transport transport = Transport.best();
        group = transport.newEventLoopGroup(1, "line-backend-" + name);
        byte[] prefix = (name + " ").getBytes(StandardCharsets.US_ASCII);
        server = new ServerBootstrap().group(group).channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(4096), new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
                                if (line.readableBytes() == 3 && line.toString(StandardCharsets.US_ASCII).equals("big")) {
                                    ctx.write(BIG.duplicate());
                                } else {
                                    ByteBuf out = ctx.alloc().buffer(prefix.length + line.readableBytes() + 1);
                                    out.writeBytes(prefix).writeBytes(line).writeByte('\n');
                                    ctx.write(out);
                                }
                            }

                            @Override
                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                ctx.flush();
                                ctx.channel().config().setAutoRead(ctx.channel().isWritable());
                            }

                            @Override
                            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                                ctx.channel().config().setAutoRead(ctx.channel().isWritable());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    HostAndPort address() {
        return HostAndPort.of((InetSocketAddress) server.localAddress());
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
