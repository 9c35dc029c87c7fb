package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.WireLimits;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The accepting end of a connection that opened with a preamble line instead of TLS: reads the line
 * (within the handshake timeout); a dial-back nonce is handed on and answered OK; a relay request
 * asks the {@link RelayService} for a circuit or hands it a token, and is answered ERR on a refusal. On success the connection waits, not reading, until the
 * circuit replaces this handler.
 */
final class RelayInboundHandler extends LineReader {

    private final RelayService service;
    private final Consumer<String> dialBacks;
    private final long timeoutMillis;
    private ScheduledFuture<?> timer;

    /**
     * @param service   the relay, or null when this node does not relay
     * @param dialBacks told the nonce (hex) of each dial-back that reached this node
     */
    RelayInboundHandler(RelayService service, Consumer<String> dialBacks, long timeoutMillis) {
        this.service = service;
        this.dialBacks = dialBacks;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> refuse(ctx, "no relay request within " + timeoutMillis + " ms", true),
                timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void onLine(ChannelHandlerContext ctx, String line, ByteBuf rest) {
        timer.cancel(false);
        if (rest != null) {
            rest.release(); // a client speaks only after OK
            refuse(ctx, "bytes after the relay request, before OK", true);
            return;
        }
        String refusal;
        if (line.startsWith(Preamble.DIAL_BACK) && isToken(line.substring(Preamble.DIAL_BACK.length()))) {
            dialBacks.accept(line.substring(Preamble.DIAL_BACK.length()));
            ctx.writeAndFlush(ascii(ctx, Preamble.OK + "\n")).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (service == null && (line.startsWith(Preamble.CONNECT) || line.startsWith(Preamble.ACCEPT))) {
            ctx.writeAndFlush(ascii(ctx, Preamble.error("this node does not relay")))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (line.startsWith(Preamble.CONNECT) && PeerId.looksLikePeerId(line.substring(Preamble.CONNECT.length()))) {
            ctx.channel().config().setAutoRead(false); // the dialler waits for OK; nothing to read meanwhile
            refusal = service.connect(PeerId.parse(line.substring(Preamble.CONNECT.length())), ctx.channel());
        } else if (line.startsWith(Preamble.ACCEPT) && isToken(line.substring(Preamble.ACCEPT.length()))) {
            ctx.channel().config().setAutoRead(false);
            refusal = service.accept(line.substring(Preamble.ACCEPT.length()), ctx.channel());
        } else {
            refuse(ctx, "not a relay request", true);
            return;
        }
        if (refusal != null) {
            refuse(ctx, refusal, false);
        }
    }

    @Override
    protected void onViolation(ChannelHandlerContext ctx, String reason) {
        timer.cancel(false);
        refuse(ctx, reason, true);
    }

    private void refuse(ChannelHandlerContext ctx, String reason, boolean badPreamble) {
        if (badPreamble && service != null) {
            service.badPreamble();
        }
        ctx.writeAndFlush(ascii(ctx, Preamble.error(reason))).addListener(ChannelFutureListener.CLOSE);
    }

    /** Lower-case hex of exactly one token. */
    private static boolean isToken(String s) {
        return s.length() == 2 * WireLimits.RELAY_TOKEN_BYTES
                && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
