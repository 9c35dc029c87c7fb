package io.nexo.core.transport;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * The socket transport nexo runs on: Linux epoll when the native library loads, Java NIO otherwise;
 * the balancer prefers io_uring ({@link #fastest()}).
 * Everything that creates event loops or channels asks this class, so both halves of nexo use the
 * same transport and the fallback happens in one place.
 */
public final class Transport {

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private static final Transport EPOLL = new Transport("epoll", EpollStayRegisteredIoHandler::newFactory,
            EpollServerSocketChannel.class, EpollSocketChannel.class, EpollSocketChannel::new,
            EpollDatagramChannel.class);
    private static final Transport IO_URING = new Transport("io_uring", IoUringIoHandler::newFactory,
            IoUringServerSocketChannel.class, IoUringSocketChannel.class, IoUringSocketChannel::new,
            IoUringDatagramChannel.class);
    private static final Transport NIO = new Transport("nio", NioIoHandler::newFactory,
            NioServerSocketChannel.class, NioSocketChannel.class, NioSocketChannel::new, NioDatagramChannel.class);


    private final String name;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final Class<? extends SocketChannel> socketChannelClass;
    private final ChannelFactory<SocketChannel> socketChannelFactory;
    private final Class<? extends DatagramChannel> datagramChannelClass;

    private Transport(String name, Supplier<IoHandlerFactory> ioHandlerFactory,
                      Class<? extends ServerChannel> serverChannelClass,
                      Class<? extends SocketChannel> socketChannelClass,
                      ChannelFactory<SocketChannel> socketChannelFactory,
                      Class<? extends DatagramChannel> datagramChannelClass) {
        this.name = name;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannelClass = serverChannelClass;
        this.socketChannelClass = socketChannelClass;
        this.socketChannelFactory = socketChannelFactory;
        this.datagramChannelClass = datagramChannelClass;
    }

    /** Epoll where available, else NIO (logged once, with the reason). */
    public static Transport best() {
        return Best.TRANSPORT;
    }

    /**
     * io_uring where the kernel and its settings allow it (Linux 5.x+, not disabled by
     * {@code kernel.io_uring_disabled} or a seccomp filter), else {@link #best()}. The balancer runs
     * on it: one {@code io_uring_enter} submits and reaps the reads and writes of many connections,
     * where epoll needs a {@code recv}/{@code send} system call each (docs/benchmarks.md, "io_uring").
     */
    public static Transport fastest() {
        return Fastest.TRANSPORT;
    }

    /** Chosen on first use (the JVM initialises a holder class once, thread-safely). */
    private static final class Best {
        static final Transport TRANSPORT = choose();

        private static Transport choose() {
            if (Epoll.isAvailable()) {
                return EPOLL;
            }
            log.info("native epoll transport unavailable ({}); using NIO",
                    Epoll.unavailabilityCause().toString());
            return NIO;
        }
    }

    private static final class Fastest {
        static final Transport TRANSPORT = choose();

        private static Transport choose() {
            if (IoUring.isAvailable()) {
                return IO_URING;
            }
            log.info("io_uring transport unavailable ({}); using {}",
                    IoUring.unavailabilityCause().toString(), best());
            return best();
        }
    }

    /** The names {@link #named} accepts. */
    public static final String NAMES = "auto, io_uring, epoll, nio";

    /**
     * The transport of a {@code --transport} flag: {@code auto} ({@link #fastest()}), {@code io_uring},
     * {@code epoll} or {@code nio}.
     *
     * @throws IllegalArgumentException for another name, or a native transport this machine cannot run
     */
    public static Transport named(String name) {
        switch (name) {
            case "auto":
                return fastest();
            case "io_uring":
                if (!IoUring.isAvailable()) {
                    throw new IllegalArgumentException("transport io_uring is unavailable here: "
                            + IoUring.unavailabilityCause().getMessage());
                }
                return IO_URING;
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("transport epoll is unavailable here: "
                            + Epoll.unavailabilityCause().getMessage());
                }
                return EPOLL;
            case "nio":
                return NIO;
            default:
                throw new IllegalArgumentException("transport: '" + name + "' (expected one of: " + NAMES + ")");
        }
    }

    /** The portable NIO transport, for tests that must not depend on the native one. */
    public static Transport nio() {
        return NIO;
    }

    /** A new event loop group of {@code threads} threads (0 = Netty's default, 2 x cores). */
    public EventLoopGroup newEventLoopGroup(int threads, String threadNamePrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadNamePrefix),
                ioHandlerFactory.get());
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return serverChannelClass;
    }

    public Class<? extends SocketChannel> socketChannelClass() {
        return socketChannelClass;
    }

    /**
     * Makes unregistered client socket channels by a constructor call, for code that makes one per
     * connection (a {@code Bootstrap} with {@link #socketChannelClass} goes through reflection each time).
     */
    public ChannelFactory<SocketChannel> socketChannelFactory() {
        return socketChannelFactory;
    }

    public Class<? extends DatagramChannel> datagramChannelClass() {
        return datagramChannelClass;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
