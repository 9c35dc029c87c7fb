package io.nexo.lb.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.haproxy.ProxyProtocolHeaders;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.health.HealthChecker;
import io.nexo.lb.policy.Endpoint;
import io.nexo.lb.tls.BackendTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Opens the backend side of a client connection with failover: asks the pool for a backend, connects
 * (on the client's own event loop, so both channels share one thread and no handoff is needed), and on
 * a refusal or a connect timeout reports the backend and tries the next one not yet tried. When none
 * is left the client is closed at once.
 */
public final class BackendConnector {

    private static final Logger log = LoggerFactory.getLogger(BackendConnector.class);
    private static final Predicate<Endpoint> ANY = e -> true;

    private final BackendPool pool;
    private final ChannelFactory<? extends SocketChannel> channelFactory;
    private final long connectTimeoutNanos;
    private final ByteBufAllocator allocator;
    private final WriteBufferWaterMark waterMark;

    private final ProxyProtocol proxyProtocol;
    /** Re-encrypts towards the backends, or {@code null} for plaintext. */
    private final BackendTls backendTls;

    /** @param proxyProtocol whether each backend connection starts with a PROXY protocol header */
    public BackendConnector(BackendPool pool, ChannelFactory<? extends SocketChannel> channelFactory,
                            int connectTimeoutMillis, ByteBufAllocator allocator,
                            WriteBufferWaterMark waterMark, ProxyProtocol proxyProtocol) {
        this(pool, channelFactory, connectTimeoutMillis, allocator, waterMark, proxyProtocol, null);
    }

    /** @param backendTls TLS towards the backends (after any PROXY header), or {@code null} for plaintext */
    public BackendConnector(BackendPool pool, ChannelFactory<? extends SocketChannel> channelFactory,
                            int connectTimeoutMillis, ByteBufAllocator allocator,
                            WriteBufferWaterMark waterMark, ProxyProtocol proxyProtocol, BackendTls backendTls) {
        this.proxyProtocol = proxyProtocol;
        this.backendTls = backendTls;
        this.pool = pool;
        this.channelFactory = channelFactory;
        this.connectTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
        this.allocator = allocator;
        this.waterMark = waterMark;
    }

    /** Starts connecting {@code frontend} to a backend; the handler hears of the outcome. */
    void connect(Channel frontend, FrontendHandler handler) {
        attempt(frontend, handler, null, null);
    }

    /** @param failed the backend the previous attempt could not reach: the retry takes the one after it */
    private void attempt(Channel frontend, FrontendHandler handler, List<Backend> tried, Backend failed) {
        InetSocketAddress client = (InetSocketAddress) frontend.remoteAddress();
        Backend backend = failed == null ? pool.pick(client, ANY)
                : pool.pickAfterFailure(client, failed, e -> !tried.contains(e));
        if (backend == null) {
            handler.noBackend(tried);
            return;
        }
        BackendHandler backendHandler = new BackendHandler(frontend, backend, handler.record);
        SocketChannel channel = newChannel(backendHandler);
        backend.connectionOpened();
        channel.closeFuture().addListener(f -> backend.connectionClosed());
        // registering from the loop itself completes at once; connect follows on the same thread
        frontend.eventLoop().register(channel).addListener((ChannelFuture registered) -> {
            if (!registered.isSuccess()) {
                failed(frontend, handler, tried, backend, registered.cause());
                return;
            }
            ChannelPromise connecting = channel.newPromise();
            channel.connect(backend.socketAddress(), connecting);
            TimeoutSweeper.Watch deadline = connectTimeoutNanos == 0 || connecting.isDone() ? null
                    : TimeoutSweeper.of(frontend.eventLoop()).watch(
                            new ConnectDeadline(connecting, backend.socketAddress(), connectTimeoutNanos));
            connecting.addListener((ChannelFuture connected) -> {
                TimeoutSweeper.unwatch(deadline);
                if (connected.isSuccess()) {
                    backend.connectionEstablished();
                    if (proxyProtocol != ProxyProtocol.NONE) {
                        sendProxyHeader(frontend, channel);
                    }
                    if (backendTls != null) {
                        // the handshake starts now; what the client sent meanwhile is queued until it is done
                        channel.pipeline().addFirst(backendTls.newHandler(allocator,
                                backend.address().host(), backend.address().port()));
                    }
                    handler.backendConnected(channel, backendHandler);
                } else {
                    channel.close();
                    failed(frontend, handler, tried, backend, connected.cause());
                }
            });
        });
    }

    /**
     * Writes the PROXY protocol header first on the backend connection. We are on the event loop, so
     * the encoder has turned the message into bytes by the time write() returns and can go at once.
     */
    private void sendProxyHeader(Channel frontend, Channel backendChannel) {
        backendChannel.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
        backendChannel.write(ProxyProtocolHeaders.forConnection(proxyProtocol,
                (InetSocketAddress) frontend.remoteAddress(), (InetSocketAddress) frontend.localAddress()),
                backendChannel.voidPromise());
        backendChannel.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
    }

    private void failed(Channel frontend, FrontendHandler handler, List<Backend> tried, Backend backend,
                        Throwable cause) {
        String why = HealthChecker.describe(cause);
        log.warn("client {}: backend {} unreachable ({}); trying the next one", frontend.remoteAddress(),
                backend, why);
        pool.recordConnectFailure(backend, why);
        if (!frontend.isActive()) {
            return; // the client gave up meanwhile
        }
        List<Backend> next = tried != null ? tried : new ArrayList<>(4);
        next.add(backend);
        attempt(frontend, handler, next, backend);
    }

    private SocketChannel newChannel(BackendHandler handler) {
        SocketChannel channel = channelFactory.newChannel();
        SocketChannelConfig config = channel.config();
        config.setAutoRead(false);
        // TCP_NODELAY is already on: Netty enables it when it creates the socket
        config.setAllowHalfClosure(true);
        // the connect timeout is a ConnectDeadline in the loop's sweep, not a timer of Netty's per connect
        config.setConnectTimeoutMillis(0);
        config.setAllocator(allocator);
        config.setWriteBufferWaterMark(waterMark);
        config.setRecvByteBufAllocator(RelayTuning.READ_BUFFERS);
        channel.pipeline().addLast(handler);
        return channel;
    }

    /**
     * A connect attempt's timeout, in the loop's {@link TimeoutSweeper}: fails the attempt as Netty's own
     * timer would (same exception and message), so the failover path is the same.
     */
    private static final class ConnectDeadline implements TimeoutSweeper.Watched {
        private final ChannelPromise connecting;
        private final InetSocketAddress target;
        private final long timeoutNanos;
        private final long startNanos = System.nanoTime();

        ConnectDeadline(ChannelPromise connecting, InetSocketAddress target, long timeoutNanos) {
            this.connecting = connecting;
            this.target = target;
            this.timeoutNanos = timeoutNanos;
        }

        @Override
        public long timeoutNanos() {
            return timeoutNanos;
        }

        @Override
        public long lastActiveNanos() {
            return startNanos;
        }

        @Override
        public void timedOut(long quietNanos) {
            if (connecting.tryFailure(new ConnectTimeoutException("connection timed out after "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: " + target))) {
                connecting.channel().close();
            }
        }
    }
}
