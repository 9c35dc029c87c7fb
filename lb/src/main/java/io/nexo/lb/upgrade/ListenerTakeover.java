package io.nexo.lb.upgrade;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.nexo.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The new process's side of an upgrade (see {@link ListenerHandover} for the exchange): fetches the old
 * process's listening sockets, and once this process accepts on them, tells the old one to drain.
 *
 * <pre>
 * try (ListenerTakeover takeover = ListenerTakeover.connect(path, timeout)) {
 *     InheritedListeners inherited = takeover.fetch();
 *     lb.start(inherited);            // listeners on inherited addresses adopt them, bind nothing
 *     takeover.drainOld();            // the old process stops accepting and drains
 * }
 * </pre>
 *
 * <p>Needs the epoll transport: Netty 4.2's {@code EpollServerSocketChannel(int fd)} adopts an inherited
 * socket, its io_uring and NIO server channels have no such constructor.
 */
public final class ListenerTakeover implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ListenerTakeover.class);

    private final Path path;
    private final Duration timeout;
    private final EventLoopGroup group;

    private ListenerTakeover(Path path, Duration timeout) {
        this.path = path;
        this.timeout = timeout;
        this.group = Transport.named("epoll").newEventLoopGroup(1, "nexo-lb-takeover");
    }

    /** A takeover from the old process serving on {@code path}; nothing is exchanged yet. */
    public static ListenerTakeover from(Path path, Duration timeout) {
        return new ListenerTakeover(path, timeout);
    }

    /**
     * The old process's listening sockets, by bound address.
     *
     * @throws IOException when the old process does not answer, is another user's, or sends more than
     *         {@value HandoverSocket#MAX_LISTENERS} sockets or something that is not a listening TCP socket
     */
    public InheritedListeners fetch() throws IOException {
        List<FileDescriptor> received = new ArrayList<>();
        Channel ch = connect(DomainSocketReadMode.FILE_DESCRIPTORS, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof FileDescriptor fd && received.size() < HandoverSocket.MAX_LISTENERS) {
                    received.add(fd);
                } else {
                    closeQuietly(msg);
                    received.add(null); // marks the overflow; checked below
                    ctx.close();
                }
            }
        });
        ch.writeAndFlush(Unpooled.copiedBuffer(HandoverSocket.LISTENERS + "\n", StandardCharsets.US_ASCII));
        boolean closed = ch.closeFuture().awaitUninterruptibly(timeout.toMillis());
        ch.eventLoop().submit(() -> { }).awaitUninterruptibly(); // every read handled before we look
        if (!closed || received.contains(null)) {
            ch.close();
            received.forEach(ListenerTakeover::closeQuietly);
            throw new IOException("takeover from " + path + ": " + (!closed
                    ? "no answer within " + timeout.toMillis() + " ms"
                    : "more than " + HandoverSocket.MAX_LISTENERS + " sockets or an unexpected message"));
        }
        Map<InetSocketAddress, ServerChannel> byAddress = new LinkedHashMap<>();
        for (int i = 0; i < received.size(); i++) {
            EpollServerSocketChannel server = new EpollServerSocketChannel(received.get(i).intValue());
            InetSocketAddress address = localAddress(server);
            if (address == null || address.getPort() == 0 || server.remoteAddress() != null
                    || byAddress.containsKey(address)) {
                server.unsafe().closeForcibly();
                byAddress.values().forEach(s -> s.unsafe().closeForcibly());
                received.subList(i + 1, received.size()).forEach(ListenerTakeover::closeQuietly);
                throw new IOException("takeover from " + path + ": descriptor " + received.get(i).intValue()
                        + " is not a listening TCP socket");
            }
            byAddress.put(address, server);
        }
        log.info("takeover from {}: got {} listening socket{}: {}", path, byAddress.size(),
                byAddress.size() == 1 ? "" : "s", byAddress.keySet());
        return new InheritedListeners(byAddress);
    }

    /**
     * Tells the old process to stop accepting and drain; returns once it has let go of the hand-over
     * socket (so this process may bind the same path).
     *
     * @throws IOException when the old process does not confirm within the timeout
     */
    public void drainOld() throws IOException {
        Channel ch = connect(DomainSocketReadMode.BYTES, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg); // the old process answers only by closing
            }
        });
        ch.writeAndFlush(Unpooled.copiedBuffer(HandoverSocket.DRAIN + "\n", StandardCharsets.US_ASCII));
        if (!ch.closeFuture().awaitUninterruptibly(timeout.toMillis())) {
            ch.close();
            throw new IOException("takeover from " + path + ": the old process did not confirm the drain within "
                    + timeout.toMillis() + " ms");
        }
        log.info("takeover from {}: the old process stopped accepting and drains", path);
    }

    private Channel connect(DomainSocketReadMode mode, ChannelInboundHandlerAdapter handler) throws IOException {
        ChannelFuture f = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
                .option(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, mode)
                .handler(handler)
                .connect(new DomainSocketAddress(path.toString()));
        if (!f.awaitUninterruptibly(timeout.toMillis()) || !f.isSuccess()) {
            f.channel().close();
            throw new IOException("takeover from " + path + ": cannot connect: "
                    + (f.cause() != null ? f.cause().getMessage() : "timed out"));
        }
        EpollDomainSocketChannel ch = (EpollDomainSocketChannel) f.channel();
        int peer = ch.peerCredentials().uid();
        if (peer != HandoverSocket.ownUid()) {
            ch.close();
            throw new IOException("takeover from " + path + ": the process there runs as uid " + peer
                    + " (expected: this user's)");
        }
        return ch;
    }

    /** The bound address, or null for a descriptor that is not an IP socket. */
    private static InetSocketAddress localAddress(EpollServerSocketChannel server) {
        try {
            return server.localAddress();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void closeQuietly(Object msg) {
        if (msg instanceof FileDescriptor fd) {
            try {
                fd.close();
            } catch (IOException ignored) {
                // nothing more to do with a descriptor we refuse
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
