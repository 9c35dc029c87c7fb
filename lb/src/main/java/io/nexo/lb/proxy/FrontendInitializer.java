package io.nexo.lb.proxy;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/** Builds the pipeline of each accepted client connection: one {@link FrontendHandler}. */
public final class FrontendInitializer extends ChannelInitializer<SocketChannel> {

    private final BackendConnector connector;
    private final ConnectionTracker tracker;
    private final long idleNanos;

    /** @param idleNanos idle timeout in nanoseconds, 0 for none */
    public FrontendInitializer(BackendConnector connector, ConnectionTracker tracker, long idleNanos) {
        this.connector = connector;
        this.tracker = tracker;
        this.idleNanos = idleNanos;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!tracker.tryAdmit(ch)) {
            ch.close();
            return;
        }
        ch.pipeline().addLast(new FrontendHandler(connector, idleNanos));
    }
}
