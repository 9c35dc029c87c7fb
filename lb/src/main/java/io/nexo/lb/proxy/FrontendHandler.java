package io.nexo.lb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.nexo.lb.backend.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client side of a proxied connection. On accept it asks the {@link BackendConnector} for a
 * backend (reading nothing from the client meanwhile), then relays client bytes to it; it also owns
 * the connection's idle timeout.
 */
final class FrontendHandler extends RelayHandler implements TimeoutSweeper.Watched {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final BackendConnector connector;
    private final long idleNanos;
    private Channel frontend;
    private BackendHandler backendHandler;
    /**
     * Bytes (and a FIN) that arrived before the backend was connected. We ask for no read until then,
     * but epoll reads anyway when the client half-closes (EPOLLRDHUP), so a request and its FIN can
     * both be here already: at most one read batch.
     */
    private ArrayDeque<Object> early;
    private boolean earlyFin;
    /** This connection's place among its loop's watched connections, ended on close. */
    private TimeoutSweeper.Watch idleWatch;

    private final boolean accessLog;

    FrontendHandler(BackendConnector connector, long idleNanos, ConnectionRecord record, boolean accessLog) {
        super(record);
        this.connector = connector;
        this.idleNanos = idleNanos;
        this.accessLog = accessLog;
    }

    @Override
    void countBytes(long n) {
        backendHandler.backend().stats().addBytesIn(n);
    }

    @Override
    String side() {
        return "client";
    }

    @Override
    String closedReason() {
        return "client closed";
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
        record.backend(handler.backend());
        if (log.isDebugEnabled()) {
            log.debug("client {} -> backend {} via {}", frontend.remoteAddress(), handler.backend(),
                    backendChannel.localAddress());
        }
        if (idleNanos > 0) {
            idleWatch = TimeoutSweeper.of(frontend.eventLoop()).watch(this);
        }
        if (early != null) {
            Object msg;
            while ((msg = early.poll()) != null) {
                backendChannel.write(msg, backendChannel.voidPromise());
            }
            backendChannel.flush();
            early = null;
        }
        countPending(); // bytes that arrived before the backend was known
        if (earlyFin) {
            forwardFin(frontend);
        } else {
            readMore(frontend);
        }
        backendChannel.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (peer != null) {
            super.channelRead(ctx, msg);
        } else {
            if (early == null) {
                early = new ArrayDeque<>(4);
            }
            early.add(msg);
            if (msg instanceof io.netty.buffer.ByteBuf buf) {
                pendingBytes += buf.readableBytes();
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (peer == null && evt instanceof ChannelInputShutdownEvent) {
            earlyFin = true;
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    /** Called when no backend could be reached: close the client at once rather than leave it hanging. */
    void noBackend(List<Backend> tried) {
        record.end("no backend");
        if (tried == null || tried.isEmpty()) {
            log.warn("client {}: no backend is up; closing the connection", frontend.remoteAddress());
        } else {
            log.warn("client {}: no backend reachable (tried {}); closing the connection",
                    frontend.remoteAddress(), tried);
        }
        frontend.close();
    }

    @Override
    public long timeoutNanos() {
        return idleNanos;
    }

    @Override
    public long lastActiveNanos() {
        return Math.max(lastReadNanos, backendHandler.lastReadNanos);
    }

    @Override
    public void timedOut(long quietNanos) {
        idleWatch = null;
        if (!frontend.isActive()) {
            return;
        }
        record.end("idle timeout");
        log.info("client {} <-> backend {}: closing after {} ms without traffic (idle timeout)",
                frontend.remoteAddress(), backendHandler.backend(), TimeUnit.NANOSECONDS.toMillis(quietNanos));
        closeBoth(frontend, peer);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseEarly();
        if (accessLog) {
            // the backend side's bytes are final too: it is closed on the same loop before or after,
            // and what it read so far has been counted per batch
            record.end("client closed");
            record.log(totalBytes + pendingBytes, backendHandler == null ? 0
                    : backendHandler.totalBytes + backendHandler.pendingBytes);
        }
        TimeoutSweeper.unwatch(idleWatch);
        idleWatch = null;
        if (log.isDebugEnabled()) {
            log.debug("client {} closed{}", ctx.channel().remoteAddress(),
                    backendHandler != null ? " (backend " + backendHandler.backend() + ")" : "");
        }
        super.channelInactive(ctx);
    }

    private void releaseEarly() {
        if (early != null) {
            Object msg;
            while ((msg = early.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
            early = null;
        }
    }

    @Override
    String describe(Channel self) {
        return "client " + self.remoteAddress()
                + (backendHandler != null ? " (backend " + backendHandler.backend() + ")" : "");
    }
}
