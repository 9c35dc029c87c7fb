package io.nexo.p2p.testing;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many {@link HostilePeer}s on one event loop, for floods: each dials from a local address the test
 * chooses (any 127.x.y.z; IPv6 inside a namespace) as one of a few identities made ahead, answers
 * the node's pings (so it stays until the node closes it), and is counted when its handshake ends
 * and when its connection closes. Closes them all on {@link #close}.
 */
public final class HostilePeers implements AutoCloseable {

    private final EventLoopGroup group = Transport.best().newEventLoopGroup(1, "hostile-peers");
    private final Queue<HostilePeer> peers = new ConcurrentLinkedQueue<>();
    /** Handshakes completed. */
    public final AtomicInteger established = new AtomicInteger();
    /** Connections that closed, during the handshake or after it. */
    public final AtomicInteger closed = new AtomicInteger();

    /** Dials {@code to} from {@code from} (port 0) as {@code id}, announcing {@code listenAddrs}. */
    public CompletableFuture<HostilePeer> connect(String from, HostAndPort to, List<HostAndPort> listenAddrs,
                                                  HostilePeer.Identity id) {
        HostilePeer.Options options = HostilePeer.options().withIdentity(id).withName("raw").withLocalHost(from)
                .withListenAddrs(listenAddrs.stream().map(HostAndPort::toString).toList()).withAnswerPings(true);
        return HostilePeer.connectAsync(group, to, options).whenComplete((p, e) -> {
            if (e != null) {
                closed.incrementAndGet(); // connectAsync closed it
                return;
            }
            established.incrementAndGet();
            peers.add(p);
            p.channel().closeFuture().addListener(f -> closed.incrementAndGet());
        });
    }

    /** Every peer whose handshake completed, in that order. */
    public List<HostilePeer> peers() {
        return List.copyOf(peers);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
