package io.nexo.core.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A half-closed connection keeps working in the other direction: the peer sends FIN first, then we
 * write far more than the socket buffers hold. On Netty 4.2.18's plain epoll handler the write that
 * needs EPOLLOUT after the FIN fails with ENOENT and the stream is cut short; see
 * {@link EpollStayRegisteredIoHandler}. Run on every transport the machine has, io_uring included.
 */
class TransportHalfCloseTest {

    private static final int SIZE = 32 * 1024 * 1024;

    /** Every transport this machine runs: nio always, epoll and io_uring where the kernel allows. */
    static Stream<String> transports() {
        return Stream.of("nio", "epoll", "io_uring").filter(TransportHalfCloseTest::available);
    }

    static boolean available(String name) {
        try {
            Transport.named(name);
            return true;
        } catch (IllegalArgumentException unavailable) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void writesAfterThePeersFinArriveComplete(String name) throws Exception {
        Transport transport = Transport.named(name);
        EventLoopGroup group = transport.newEventLoopGroup(1, "half-close-test");
        CompletableFuture<Throwable> writeOutcome = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof ChannelInputShutdownEvent) {
                                // after the FIN has been fully processed (interest set now empty)
                                ctx.executor().execute(() -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[SIZE]))
                                        .addListener((ChannelFutureListener) f -> {
                                            writeOutcome.complete(f.cause());
                                            f.channel().close();
                                        }));
                            }
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            try (Socket client = new Socket()) {
                client.connect(server.localAddress(), 5000);
                client.setSoTimeout(30_000);
                client.shutdownOutput();
                long received = 0;
                byte[] buf = new byte[64 * 1024];
                InputStream in = client.getInputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    received += n;
                }
                assertThat(writeOutcome.get(30, TimeUnit.SECONDS)).as("write failure").isNull();
                assertThat(received).isEqualTo(SIZE);
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
