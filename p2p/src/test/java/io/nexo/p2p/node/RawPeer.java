package io.nexo.p2p.node;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.session.PeerChannelInitializer;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.session.SessionHandler;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.session.SessionListener;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Ping;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A peer under the test's control: it speaks the real handshake (TLS, Hello, Welcome) with an
 * identity of its own, then sends only what the test asks and records everything the node sends
 * (envelopes past the session layer, and binary frames as copies). No gossip, exchange or pings of
 * its own, so a test can count exactly what reached the node. Its session limits are the defaults
 * with a rate high enough never to drop the node's messages.
 */
public final class RawPeer implements AutoCloseable {

    /** A binary frame the node sent, copied so the test need not release it. */
    public record Binary(String protocol, byte[] payload) {
    }

    public final NodeIdentity identity = NodeIdentity.generate();
    public final BlockingQueue<Envelope> envelopes = new LinkedBlockingQueue<>();
    public final BlockingQueue<Binary> binaries = new LinkedBlockingQueue<>();
    /** Completes with the session once the handshake is done. */
    public final CompletableFuture<PeerSession> established = new CompletableFuture<>();
    /** Completes with the close reason this side saw (a handshake failure or the session's end). */
    public final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<Void>> pongs = new ConcurrentHashMap<>();
    private final AtomicLong pingSeq = new AtomicLong(1_000_000);
    private final EventLoopGroup group;
    private final Channel channel;

    private RawPeer(PeerNode target, String name) {
        group = Transport.best().newEventLoopGroup(1, "raw-peer");
        SessionListener recorder = new SessionListener() {
            @Override
            public void onEstablished(PeerSession session) {
                // Pongs end in the keep-alive handler; catch them just before it
                session.channel().pipeline().addBefore("keep-alive", "pongs", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Envelope e && e.hasPong()) {
                            CompletableFuture<Void> waiting = pongs.remove(e.getPong().getSeq());
                            if (waiting != null) {
                                waiting.complete(null);
                            }
                        }
                        ctx.fireChannelRead(msg);
                    }
                });
                established.complete(session);
            }

            @Override
            public void onEnvelope(PeerSession session, Envelope envelope) {
                envelopes.add(envelope);
            }

            @Override
            public void onBinary(PeerSession session, BinaryFrame frame) {
                try {
                    byte[] copy = new byte[frame.content().readableBytes()];
                    frame.content().getBytes(frame.content().readerIndex(), copy);
                    binaries.add(new Binary(frame.protocol(), copy));
                } finally {
                    frame.release();
                }
            }

            @Override
            public void onHandshakeFailed(Channel ch, boolean outbound, String reason) {
                established.completeExceptionally(new IllegalStateException("handshake failed: " + reason));
                closed.complete(reason);
            }

            @Override
            public void onClosed(PeerSession session, String reason) {
                closed.complete(reason);
            }
        };
        channel = new Bootstrap().group(group).channel(Transport.best().socketChannelClass())
                .handler(new PeerChannelInitializer(new PeerTls(identity),
                        new SessionHandler.LocalInfo(identity.peerId(), name, List.of(), Optional.empty()),
                        SessionLimits.defaults().withRate(1_000_000, 1_000_000), recorder, true, Optional.empty()))
                .connect(target.listenAddress().toSocketAddress()).syncUninterruptibly().channel();
        channel.closeFuture().addListener(f -> {
            established.completeExceptionally(new IllegalStateException("closed before the handshake ended"));
            closed.complete("channel closed");
        });
    }

    /** Connects to {@code target} and waits for the handshake. */
    public static RawPeer connect(PeerNode target, String name) throws Exception {
        RawPeer p = new RawPeer(target, name);
        try {
            p.established.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    public PeerSession session() {
        return established.join();
    }

    /** The next binary frame the node sent, within {@code timeout}. */
    public Optional<Binary> nextBinary(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(binaries.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Sends a Ping and waits for its Pong. The node handles a session's frames in order on one
     * thread, so when this returns it has read everything sent before (a barrier).
     *
     * @throws java.util.concurrent.TimeoutException when no Pong comes within {@code timeout}
     */
    public void ping(Duration timeout) throws Exception {
        long seq = pingSeq.incrementAndGet();
        CompletableFuture<Void> pong = new CompletableFuture<>();
        pongs.put(seq, pong);
        session().send(Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(seq)).build());
        pong.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
