package io.nexo.lb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import io.nexo.lb.tls.SniRouter;
import io.nexo.lb.tls.TlsStats;
import io.nexo.lb.tls.TlsTerminator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * SNI passthrough: reads the client's ClientHello without decrypting it (at most
 * {@link TlsTerminator#MAX_CLIENT_HELLO_BYTES}, within the router's timeout), asks the
 * {@link SniRouter} for a pool, then hands the connection to a {@link FrontendHandler} for that pool
 * and removes itself; the buffered ClientHello goes to the backend first, byte for byte. A client
 * whose name has no route (and no fallback), that is not TLS, or that is too slow is closed; a
 * {@link TlsEvents} after it counts why.
 */
final class SniRouteHandler extends AbstractSniHandler<Optional<SniRouter.Choice<BackendConnector>>> {

    private static final Logger log = LoggerFactory.getLogger(SniRouteHandler.class);

    private final SniRouter<BackendConnector> router;
    private final ListenerState.Route route;
    private final boolean accessLog;
    private static final int TLS_HANDSHAKE_RECORD = 22;
    private boolean sawFirstByte;
    /** Decided once: a closing connection decodes its ClientHello again (on read and on close). */
    private Future<Optional<SniRouter.Choice<BackendConnector>>> decision;

    SniRouteHandler(SniRouter<BackendConnector> router, ListenerState.Route route, boolean accessLog) {
        super(TlsTerminator.MAX_CLIENT_HELLO_BYTES, router.timeoutMillis());
        this.router = router;
        this.route = route;
        this.accessLog = accessLog;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx); // starts the timeout
        ctx.read(); // AUTO_READ is off: ask for the ClientHello
    }

    /** A first byte other than a TLS handshake record's is no TLS client: closed at once, counted as such. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (decision == null && !sawFirstByte && msg instanceof ByteBuf buf && buf.isReadable()) {
            sawFirstByte = true;
            if (buf.getUnsignedByte(buf.readerIndex()) != TLS_HANDSHAKE_RECORD) {
                buf.release();
                router.stats().failure(TlsStats.Failure.NOT_TLS);
                log.debug("client {}: not TLS; closing", ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected Future<Optional<SniRouter.Choice<BackendConnector>>> lookup(ChannelHandlerContext ctx, String hostname) {
        if (decision == null) {
            decision = ctx.executor().newSucceededFuture(router.route(hostname));
        }
        return decision;
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname,
                                    Future<Optional<SniRouter.Choice<BackendConnector>>> future) {
        Optional<SniRouter.Choice<BackendConnector>> choice = future.getNow();
        if (!ctx.channel().isActive()) {
            return;
        }
        if (choice.isEmpty()) {
            log.info("client {}: server name {} matches no SNI route; closing", ctx.channel().remoteAddress(),
                    hostname == null ? "(none)" : "'" + hostname + "'");
            ctx.close();
            return;
        }
        router.stats().handshake();
        FrontendHandler frontend = new FrontendHandler(choice.get().target(), route.idleNanos(),
                new ConnectionRecord(route.listenerName(), ctx.channel().remoteAddress()), accessLog);
        ctx.pipeline().addAfter(ctx.name(), null, frontend);
        // starts the backend connect; the ClientHello bytes follow as this handler leaves (its cumulation)
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client {}: no usable ClientHello: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
