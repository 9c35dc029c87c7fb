package io.nexo.p2p.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Ping;
import io.nexo.p2p.wire.proto.Pong;

/**
 * Keep-alive of an established session: a Ping after {@code pingInterval} of outbound silence (the
 * {@code IdleStateHandler} before it says when), a Pong for every Ping, and a close after
 * {@code idleTimeout} without inbound traffic. Pings and Pongs go no further up the pipeline; they
 * are not rate-limited, and a Pong goes through the session's queue bound, so a peer that pings
 * without reading is dropped.
 */
final class KeepAliveHandler extends ChannelInboundHandlerAdapter {

    private final PeerSession session;
    private final long idleTimeoutMillis;
    private long pingSeq;

    KeepAliveHandler(PeerSession session, long idleTimeoutMillis) {
        this.session = session;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                session.fail("no traffic for " + idleTimeoutMillis + " ms");
            } else if (idle.state() == IdleState.WRITER_IDLE) {
                ctx.writeAndFlush(Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(++pingSeq)).build());
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Envelope env) {
            if (env.hasPing()) {
                // through the session's queue bound: a peer that pings and never reads is dropped
                session.send(Envelope.newBuilder().setPong(Pong.newBuilder().setSeq(env.getPing().getSeq())).build());
                return;
            }
            if (env.hasPong()) {
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
