package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.WireLimits;

import java.util.concurrent.TimeUnit;

/**
 * The relay's end of a connection that opened with a relay preamble: reads the request line (within
 * the handshake timeout), asks the {@link RelayService} for a circuit or hands it a token, and
 * answers ERR and closes on a refusal. On success the connection waits, not reading, until the
 * circuit replaces this handler.
 */
final class RelayInboundHandler extends LineReader {

    private final RelayService service;
    private final long timeoutMillis;
    private ScheduledFuture<?> timer;

    RelayInboundHandler(RelayService service, long timeoutMillis) {
        this.service = service;
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
        if (badPreamble) {
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
