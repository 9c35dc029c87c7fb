package io.nexo.p2p.node;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
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

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Peers driven by the test: each completes the real TLS and hello handshake with its own key, from
 * a local address the test chooses (any 127.x.y.z; IPv6 inside a namespace), says what the test
 * wants in its Welcome, and then sends only what the test sends. The minimum hostile-peer driver
 * the node tests need (issue 11 plans a fuller one).
 */
final class RawPeers implements AutoCloseable {

    private final EventLoopGroup group = Transport.best().newEventLoopGroup(1, "raw-peers");
    private final Map<Channel, CompletableFuture<PeerSession>> pending = new ConcurrentHashMap<>();
    final AtomicInteger established = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final Queue<Envelope> received = new ConcurrentLinkedQueue<>();

    private final SessionListener listener = new SessionListener() {
        @Override
        public void onEstablished(PeerSession session) {
            established.incrementAndGet();
            CompletableFuture<PeerSession> f = pending.remove(session.channel());
            if (f != null) {
                f.complete(session);
            }
        }

        @Override
        public void onEnvelope(PeerSession session, Envelope envelope) {
            received.add(envelope);
        }

        @Override
        public void onBinary(PeerSession session, BinaryFrame frame) {
            frame.release();
        }

        @Override
        public void onHandshakeFailed(Channel channel, boolean outbound, String reason) {
            CompletableFuture<PeerSession> f = pending.remove(channel);
            if (f != null) {
                f.completeExceptionally(new PeerException(reason));
            }
        }

        @Override
        public void onClosed(PeerSession session, String reason) {
            closed.incrementAndGet();
        }
    };

    /** A key and its TLS contexts (making one takes tens of milliseconds: floods reuse a few). */
    record Identity(NodeIdentity key, PeerTls tls) {
        static Identity generate() {
            NodeIdentity key = NodeIdentity.generate();
            return new Identity(key, new PeerTls(key));
        }
    }

    static List<Identity> identities(int n) {
        return java.util.stream.IntStream.range(0, n).parallel().mapToObj(i -> Identity.generate()).toList();
    }

    /** Dials {@code to} from {@code from} (port 0) as a new identity announcing {@code listenAddrs}. */
    CompletableFuture<PeerSession> connect(String from, HostAndPort to, List<HostAndPort> listenAddrs) {
        return connect(from, to, listenAddrs, Identity.generate());
    }

    /** Dials {@code to} from {@code from} (port 0) as {@code id} announcing {@code listenAddrs}. */
    CompletableFuture<PeerSession> connect(String from, HostAndPort to, List<HostAndPort> listenAddrs, Identity id) {
        CompletableFuture<PeerSession> result = new CompletableFuture<>();
        ChannelFuture cf = new Bootstrap().group(group).channel(Transport.best().socketChannelClass())
                .handler(new PeerChannelInitializer(id.tls(),
                        new SessionHandler.LocalInfo(id.key().peerId(), "raw", listenAddrs, Optional.empty()),
                        SessionLimits.defaults(), listener, true, Optional.empty()))
                .localAddress(new InetSocketAddress(from, 0))
                .connect(new InetSocketAddress(to.host(), to.port()));
        pending.put(cf.channel(), result);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                pending.remove(cf.channel());
                result.completeExceptionally(f.cause());
            }
        });
        cf.channel().closeFuture().addListener(f -> {
            CompletableFuture<PeerSession> left = pending.remove(cf.channel());
            if (left != null) {
                left.completeExceptionally(new PeerException("closed before the handshake ended"));
            }
        });
        return result;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
