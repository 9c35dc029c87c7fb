package io.nexo.lb.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.nexo.lb.tls.TlsStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits after the TLS handlers of a client connection and counts how its handshake (terminating) or
 * ClientHello (passing through) ended. Terminating, it also holds back {@code channelActive} until the
 * handshake succeeded, so the {@link FrontendHandler} after it connects to a backend only for a client
 * that completed TLS (a failed handshake takes no backend connection and no round-robin turn).
 */
final class TlsEvents extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TlsEvents.class);

    private final TlsStats stats;
    private final boolean terminating;

    TlsEvents(TlsStats stats, boolean terminating) {
        this.stats = stats;
        this.terminating = terminating;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (terminating) {
            ctx.read(); // AUTO_READ is off: ask for the ClientHello; the TLS handlers read on from there
        } else {
            ctx.fireChannelActive();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniCompletionEvent e && !e.isSuccess()) {
            failed(ctx, e.cause());
        } else if (evt instanceof SslHandshakeCompletionEvent e && terminating) {
            if (e.isSuccess()) {
                stats.handshake();
                ctx.fireChannelActive(); // now the FrontendHandler connects to a backend
                ctx.pipeline().remove(this);
            } else {
                failed(ctx, e.cause());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        TlsStats.Failure reason = TlsStats.Failure.of(cause);
        stats.failure(reason);
        log.debug("client {}: TLS failed ({}): {}", ctx.channel().remoteAddress(), reason.label(), cause.toString());
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // before the FrontendHandler runs, a failure is the handshake's: counted by its event above
        log.debug("client {}: closing during the TLS handshake: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
