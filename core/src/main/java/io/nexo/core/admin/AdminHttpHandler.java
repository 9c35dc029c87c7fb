package io.nexo.core.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.buffer.ByteBufUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each aggregated HTTP request into a routed {@link AdminRequest}, runs its handler and writes
 * the {@link AdminResponse}. Malformed or oversized requests get 400/413/431 and the connection is
 * closed; a request {@link AdminAccessPolicy} refuses gets its 401/403/415/421 and the connection is
 * closed; a failing handler gets 500 and never takes the server down.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminHttpHandler.class);

    private final AdminRouter router;
    private final AdminAccessPolicy access;

    AdminHttpHandler(AdminRouter router, AdminAccessPolicy access) {
        this.router = router;
        this.access = access;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            int status = decoded.cause() instanceof TooLongFrameException ? 431 : 400;
            write(ctx, request, AdminResponse.error(status, "malformed request: " + decoded.cause().getMessage()),
                    null, false);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String method = request.method().name();
        AdminResponse refused = access.check(method, uri.rawPath(), request.headers(), localAddress(ctx));
        if (refused != null) {
            log.debug("admin {} {} from {} refused: {}", method, uri.rawPath(), ctx.channel().remoteAddress(),
                    refused.status());
            // a refused client gets no second try on this connection
            write(ctx, request, refused, null, false);
            return;
        }
        AdminRouter.Match match = router.match(method, uri.rawPath());
        if (match.failure() != null) {
            write(ctx, request, match.failure(), match.allow(), HttpUtil.isKeepAlive(request));
            return;
        }
        AdminResponse response;
        try {
            response = match.handler().handle(new AdminRequest(method, uri.path(), match.params(),
                    uri.parameters(), ByteBufUtil.getBytes(request.content())));
        } catch (IllegalArgumentException e) {
            response = AdminResponse.error(400, e.getMessage());
        } catch (Exception e) {
            log.warn("admin {} {} from {} failed", method, request.uri(), ctx.channel().remoteAddress(), e);
            response = AdminResponse.error(500, "internal error: " + e);
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        write(ctx, request, head ? new AdminResponse(response.status(), response.contentType(), new byte[0])
                : response, null, HttpUtil.isKeepAlive(request));
    }

    private static InetAddress localAddress(ChannelHandlerContext ctx) {
        return ctx.channel().localAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpRequest request, AdminResponse response,
                              String allow, boolean keepAlive) {
        FullHttpResponse http = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        http.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Content-Type-Options", "nosniff");
        if (allow != null) {
            http.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        if (response.status() == 401) {
            http.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"nexo admin\"");
        }
        if (keepAlive) {
            HttpUtil.setKeepAlive(http, true);
            ctx.writeAndFlush(http);
        } else {
            http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
