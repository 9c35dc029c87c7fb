package io.nexo.lb.upgrade;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.nexo.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The old process's side of an upgrade: serves its listening sockets over a UNIX socket (SCM_RIGHTS),
 * as HAProxy's {@code expose-fd listeners} does, then drains when the successor says so.
 *
 * <pre>
 * successor -> "LISTENERS\n"   this -> one fd per listening socket, then close
 * successor -> "DRAIN\n"       this -> closes (and unlinks) the hand-over socket, closes the connection,
 *                                      runs onDrain (stop accepting, finish open connections, exit)
 * </pre>
 *
 * <p>Both processes hold the same kernel socket in between, so a connection in its accept queue is
 * taken by one of them and none is lost, which {@code SO_REUSEPORT} (two sockets, two queues) cannot
 * promise. Only a peer of the same user id is served.
 */
public final class ListenerHandover implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ListenerHandover.class);

    private final Path path;
    private final EventLoopGroup group;
    private final Channel server;

    private ListenerHandover(Path path, EventLoopGroup group, Channel server) {
        this.path = path;
        this.group = group;
        this.server = server;
    }

    /**
     * Binds {@code path} (mode 0600) and serves {@code listeners} on it.
     *
     * @param listeners the listening channels now (epoll or io_uring: they must expose their descriptor)
     * @param onDrain run once, on the hand-over thread, when a successor asks this process to drain
     * @throws IOException when the directory is not the user's own, another process answers on
     *         {@code path}, or it cannot be bound
     */
    public static ListenerHandover start(Path path, Duration timeout, Supplier<List<Channel>> listeners,
                                         Runnable onDrain) throws IOException {
        HandoverSocket.checkDirectory(path);
        if (Files.exists(path)) {
            if (HandoverSocket.answers(path)) {
                throw new IOException("handover socket " + path + ": another process answers there "
                        + "(take its listeners over with --takeover " + path + ")");
            }
            Files.delete(path); // left behind by a process that died
        }
        int uid = HandoverSocket.ownUid();
        EventLoopGroup group = Transport.named("epoll").newEventLoopGroup(1, "nexo-lb-handover");
        AtomicBoolean drained = new AtomicBoolean();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) throws IOException {
                        int peer = ch.peerCredentials().uid();
                        if (peer != uid) {
                            log.warn("handover socket {}: refused a process of uid {} (expected: {})", path, peer, uid);
                            ch.close();
                            return;
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(timeout.toMillis(), TimeUnit.MILLISECONDS),
                                new LineBasedFrameDecoder(HandoverSocket.MAX_REQUEST, true, true),
                                new StringDecoder(StandardCharsets.US_ASCII),
                                new Requests(path, listeners, onDrain, drained));
                    }
                });
        var bind = bootstrap.bind(new DomainSocketAddress(path.toString())).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("handover socket " + path + ": cannot bind: " + bind.cause().getMessage(),
                    bind.cause());
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        log.info("handover socket {}: a successor started with --takeover {} takes over the listeners", path, path);
        return new ListenerHandover(path, group, bind.channel());
    }

    /** Where this serves. */
    public Path path() {
        return path;
    }

    /** Stops serving and removes the socket file (Netty unlinks it on close). */
    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** One successor's requests. */
    private static final class Requests extends SimpleChannelInboundHandler<String> {
        private final Path path;
        private final Supplier<List<Channel>> listeners;
        private final Runnable onDrain;
        private final AtomicBoolean drained;

        Requests(Path path, Supplier<List<Channel>> listeners, Runnable onDrain, AtomicBoolean drained) {
            this.path = path;
            this.listeners = listeners;
            this.onDrain = onDrain;
            this.drained = drained;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String request) {
            switch (request.strip()) {
                case HandoverSocket.LISTENERS -> {
                    List<Channel> open = listeners.get().stream().filter(Channel::isOpen)
                            .limit(HandoverSocket.MAX_LISTENERS).toList();
                    for (Channel ch : open) {
                        // SCM_RIGHTS duplicates the descriptor into the successor; ours stays open
                        ctx.write(new FileDescriptor(((UnixChannel) ch).fd().intValue()));
                    }
                    log.info("handover socket {}: sent {} listening socket{} to pid {}", path, open.size(),
                            open.size() == 1 ? "" : "s", pid(ctx));
                    ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                            .addListener(f -> ctx.close());
                }
                case HandoverSocket.DRAIN -> {
                    if (!drained.compareAndSet(false, true)) {
                        ctx.close();
                        return;
                    }
                    log.info("handover socket {}: pid {} took over; stopping accepting and draining", path, pid(ctx));
                    // unlink first: the successor binds the same path once this connection closes
                    ctx.channel().parent().close().addListener(f -> ctx.close().addListener(c -> onDrain.run()));
                }
                default -> {
                    log.warn("handover socket {}: unknown request from pid {}; closing", path, pid(ctx));
                    ctx.close();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("handover socket {}: {}; closing the connection", path, cause.toString());
            ctx.close();
        }

        private static String pid(ChannelHandlerContext ctx) {
            try {
                return String.valueOf(((EpollDomainSocketChannel) ctx.channel()).peerCredentials().pid());
            } catch (IOException e) {
                return "?";
            }
        }
    }
}
