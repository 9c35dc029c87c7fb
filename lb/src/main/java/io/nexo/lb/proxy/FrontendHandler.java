package io.nexo.lb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.nexo.lb.backend.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client side of a proxied connection. On accept it asks the {@link BackendConnector} for a
 * backend (reading nothing from the client meanwhile), then relays client bytes to it; it also owns
 * the connection's idle timeout.
 */
final class FrontendHandler extends RelayHandler {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final BackendConnector connector;
    private final long idleNanos;
    private Channel frontend;
    private BackendHandler backendHandler;

    FrontendHandler(BackendConnector connector, long idleNanos) {
        this.connector = connector;
        this.idleNanos = idleNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        frontend = ctx.channel();
        connector.connect(frontend, this);
    }

    /** Called on the event loop once a backend accepted the connection. */
    void backendConnected(Channel backendChannel, BackendHandler handler) {
        if (!frontend.isActive()) {
            backendChannel.close(); // the client left while we were connecting
            return;
        }
        peer = backendChannel;
        backendHandler = handler;
        if (log.isDebugEnabled()) {
            log.debug("client {} -> backend {} via {}", frontend.remoteAddress(), handler.backend(),
                    backendChannel.localAddress());
        }
        if (idleNanos > 0) {
            scheduleIdleCheck(idleNanos);
        }
        frontend.read();
        backendChannel.read();
    }

    /** Called when no backend could be reached: close the client at once rather than leave it hanging. */
    void noBackend(List<Backend> tried) {
        if (tried == null || tried.isEmpty()) {
            log.warn("client {}: no backend is up; closing the connection", frontend.remoteAddress());
        } else {
            log.warn("client {}: no backend reachable (tried {}); closing the connection",
                    frontend.remoteAddress(), tried);
        }
        frontend.close();
    }

    private void scheduleIdleCheck(long delayNanos) {
        frontend.eventLoop().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (!frontend.isActive()) {
            return;
        }
        long last = Math.max(lastReadNanos, backendHandler.lastReadNanos);
        long quiet = System.nanoTime() - last;
        if (quiet >= idleNanos) {
            log.info("client {} <-> backend {}: closing after {} ms without traffic (idle timeout)",
                    frontend.remoteAddress(), backendHandler.backend(), TimeUnit.NANOSECONDS.toMillis(quiet));
            closeBoth(frontend, peer);
        } else {
            scheduleIdleCheck(idleNanos - quiet);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (log.isDebugEnabled()) {
            log.debug("client {} closed{}", ctx.channel().remoteAddress(),
                    backendHandler != null ? " (backend " + backendHandler.backend() + ")" : "");
        }
        super.channelInactive(ctx);
    }

    @Override
    String describe(Channel self) {
        return "client " + self.remoteAddress()
                + (backendHandler != null ? " (backend " + backendHandler.backend() + ")" : "");
    }
}
