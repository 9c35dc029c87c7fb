package io.nexo.lb.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.nexo.core.transport.Transport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link RelayHandler#shutdownOutput}: a FIN on the wire, the input still open, and on the native
 * transports without Netty's own {@code shutdownOutput()} (which fires a {@link ChannelOutputShutdownEvent}
 * and builds an exception per call).
 */
class RelayShutdownOutputTest {

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll", "io_uring"})
    void sendsFinKeepsTheInputAndSkipsNettysPathOnNativeTransports(String name) throws Exception {
        Transport transport;
        try {
            transport = Transport.named(name);
        } catch (IllegalArgumentException unavailable) {
            assumeTrue(false, name + " is not available here");
            return;
        }
        EventLoopGroup group = transport.newEventLoopGroup(1, "shut-test");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AtomicInteger outputShutdownEvents = new AtomicInteger();
            CompletableFuture<Byte> received = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(group).channel(transport.socketChannelClass())
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof ChannelOutputShutdownEvent) {
                                outputShutdownEvents.incrementAndGet();
                            }
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            received.complete(((ByteBuf) msg).getByte(0));
                            ReferenceCountUtil.release(msg);
                        }
                    })
                    .connect(server.getLocalSocketAddress()).sync().channel();
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout(10_000);
                ChannelFuture shut = ch.eventLoop().submit(() -> RelayHandler.shutdownOutput(ch)).get(10, TimeUnit.SECONDS);
                assertThat(shut.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(shut.isSuccess()).isTrue();
                assertThat(((DuplexChannel) ch).isOutputShutdown()).isTrue();
                assertThat(((DuplexChannel) ch).isInputShutdown()).isFalse();
                InputStream in = accepted.getInputStream();
                assertThat(in.read()).as("the FIN").isEqualTo(-1);
                // half-closed: the other direction still carries data
                accepted.getOutputStream().write(42);
                assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo((byte) 42);
                // Netty's path (nio) fires the event; the direct shutdown(2) on a native socket does not
                assertThat(outputShutdownEvents.get()).isEqualTo(name.equals("nio") ? 1 : 0);
            } finally {
                ch.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
