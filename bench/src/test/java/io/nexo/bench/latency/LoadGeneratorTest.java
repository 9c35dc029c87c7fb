package io.nexo.bench.latency;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Real runs against a small HTTP server on an ephemeral port that counts what it gets. */
class LoadGeneratorTest {

    private static final byte[] RESPONSE =
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n".getBytes(StandardCharsets.US_ASCII);

    private final EventLoopGroup serverGroup = Transport.nio().newEventLoopGroup(1, "test-http");
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    @AfterEach
    void stop() {
        serverGroup.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers every request (counted at its blank line) unless {@code answer} is false. */
    private int server(boolean answer) {
        return server(answer, false);
    }

    /** As {@link #server(boolean)}; with {@code close}, closes each connection after its answer (as nginx does). */
    private int server(boolean answer, boolean close) {
        Channel ch = new ServerBootstrap().group(serverGroup).channel(Transport.nio().serverChannelClass())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        accepted.incrementAndGet();
                        c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            int matched; // bytes of "\r\n\r\n" seen so far, across reads

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                try {
                                    while (buf.isReadable()) {
                                        byte b = buf.readByte();
                                        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1
                                                : (b == '\r' ? 1 : 0);
                                        if (matched == 4) {
                                            matched = 0;
                                            requests.incrementAndGet();
                                            if (answer && close) {
                                                ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE))
                                                        .addListener(ChannelFutureListener.CLOSE);
                                            } else if (answer) {
                                                ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE));
                                            }
                                        }
                                    }
                                } finally {
                                    buf.release();
                                }
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /**
     * The drain of the runs whose every request must end (answered or refused): a run ends as soon as
     * every slot is done, so this only bounds how long a starved machine may take, where a short
     * drain would turn requests still being sent into "unfinished".
     */
    private static final long GENEROUS_DRAIN_MS = 10_000;

    private static LoadSpec spec(LoadSpec.Mode mode, int port, int rate, int connections, long warmupMs,
                                 long durationMs, long drainMs) {
        return new LoadSpec(mode, "127.0.0.1", port, "/", rate, connections, Duration.ofMillis(warmupMs),
                Duration.ofMillis(durationMs), Duration.ofMillis(drainMs), "auto");
    }

    @Test
    void keepAliveSendsExactlyTheScheduleOverItsConnections() throws Exception {
        int port = server(true);
        LoadResult r = new LoadGenerator(spec(LoadSpec.Mode.KEEPALIVE, port, 400, 4, 500, 1000, GENEROUS_DRAIN_MS)).run();
        assertThat(requests.get()).isEqualTo(600);
        assertThat(accepted.get()).isEqualTo(8); // 4 for the warm-up run, 4 for the measured one
        assertThat(r.warmup()).isEqualTo(200);
        assertThat(r.completed()).isEqualTo(400);
        assertThat(r.errors()).isZero();
        assertThat(r.unfinished()).isZero();
        assertThat(r.latency().count()).isEqualTo(400);
        assertThat(r.latency().p50()).isPositive();
        assertThat(r.format()).contains("RESULT mode=keepalive rate=400 connections=4 requests=400 completed=400 errors=0");
    }

    @Test
    void newConnOpensOneConnectionPerRequest() throws Exception {
        int port = server(true);
        LoadResult r = new LoadGenerator(spec(LoadSpec.Mode.NEWCONN, port, 200, 4, 250, 1000, GENEROUS_DRAIN_MS)).run();
        assertThat(requests.get()).isEqualTo(250);
        assertThat(accepted.get()).isEqualTo(250);
        assertThat(r.warmup()).isEqualTo(50);
        assertThat(r.completed()).isEqualTo(200);
        assertThat(r.errors()).isZero();
    }

    /**
     * newconn through a proxy that half-closes as HAProxy does: one connection per request on both sides,
     * every answer taken at its Content-Length, every client session ended by the generator (none left
     * for the proxy's timeout), and no wait built into a connection: a delayed ACK (40 ms) or a wait for
     * the close would hold every connection, so the median service time, that long; a busy machine
     * delays only some.
     */
    @Test
    void newConnThroughAHalfClosingProxyEndsEverySessionWithoutWaiting() throws Exception {
        int port = server(true, true);
        try (HalfCloseProxy proxy = new HalfCloseProxy(new InetSocketAddress("127.0.0.1", port), 125)) {
            LoadResult r = new LoadGenerator(spec(LoadSpec.Mode.NEWCONN, proxy.port(), 100, 8, 250, 1000, 2000)).run();
            assertThat(r.completed()).isEqualTo(100);
            assertThat(r.errors()).isZero();
            assertThat(r.unfinished()).isZero();
            assertThat(proxy.accepted()).isEqualTo(125);
            assertThat(accepted.get()).isEqualTo(125);
            assertThat(proxy.clientsClosed().await(5, java.util.concurrent.TimeUnit.SECONDS))
                    .as("client sessions still open at the proxy: %d", proxy.clientsClosed().getCount()).isTrue();
            assertThat(r.service().p50()).as("median service time (send to answer), us").isLessThan(40_000);
        }
    }

    /** A server that never answers: every measured request ends up in the tail, none is lost. */
    @Test
    void aSilentServerShowsAsUnfinishedRequestsWithTheirWaitingTime() throws Exception {
        int port = server(false);
        LoadResult r = new LoadGenerator(spec(LoadSpec.Mode.KEEPALIVE, port, 100, 2, 0, 500, 300)).run();
        assertThat(r.completed()).isZero();
        assertThat(r.unfinished()).isEqualTo(50);
        assertThat(r.latency().count()).isEqualTo(50);
        // the last request was due 490 ms in and waited the 300 ms drain at least
        assertThat(r.latency().p50()).isGreaterThan(300_000);
        assertThat(requests.get()).isEqualTo(2); // one request in flight per connection, never answered
    }

    /** A port bound but not listening (refuses connections, and no other process can take it). */
    @Test
    void aRefusingPortCountsEveryRequestAsAnErrorAndEnds() throws Exception {
        for (LoadSpec.Mode mode : LoadSpec.Mode.values()) {
            try (java.net.Socket bound = new java.net.Socket()) {
                bound.bind(new InetSocketAddress("127.0.0.1", 0));
                LoadResult r = new LoadGenerator(spec(mode, bound.getLocalPort(), 100, 2, 0, 300, GENEROUS_DRAIN_MS)).run();
                assertThat(r.completed()).as(mode.label()).isZero();
                assertThat(r.errors()).as(mode.label()).isEqualTo(30);
                assertThat(r.unfinished()).as(mode.label()).isZero();
            }
        }
    }
}
