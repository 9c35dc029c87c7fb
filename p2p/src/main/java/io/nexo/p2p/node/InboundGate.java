package io.nexo.p2p.node;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.nexo.p2p.relay.InboundSlot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Admits an accepted connection before any TLS work: at most {@code --max-conns-per-ip} from one
 * address and {@code --max-inbound-per-subnet} from one IPv4 /24 or IPv6 /64, counting handshaking
 * and established connections; then builds the peer pipeline. The reserved node's side of a relay
 * circuit leaves both counts once spliced ({@link InboundSlot}). Runs on I/O threads.
 */
final class InboundGate extends ChannelInitializer<SocketChannel> {

    private static final Logger log = LoggerFactory.getLogger(InboundGate.class);

    private final int maxPerIp;
    private final int maxPerSubnet;
    private final PeerChannels channels;
    private final ConnectionStats stats;
    private final Map<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
    private final Map<Subnet, Integer> perSubnet = new ConcurrentHashMap<>();
    private final LogThrottle ipLog = LogThrottle.perSecond();
    private final LogThrottle subnetLog = LogThrottle.perSecond();

    InboundGate(int maxPerIp, int maxPerSubnet, PeerChannels channels, ConnectionStats stats) {
        this.maxPerIp = maxPerIp;
        this.maxPerSubnet = maxPerSubnet;
        this.channels = channels;
        this.stats = stats;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        InetAddress ip = ch.remoteAddress().getAddress();
        Subnet subnet = Subnet.of(ip);
        if (!take(perIp, ip, maxPerIp)) {
            stats.refusedPerIp.increment();
            refuse(ch, ipLog, "over {} connections from that address", ip, maxPerIp);
            return;
        }
        if (!take(perSubnet, subnet, maxPerSubnet)) {
            release(perIp, ip);
            stats.refusedPerSubnet.increment();
            refuse(ch, subnetLog, "over {} connections from its subnet " + subnet, ip, maxPerSubnet);
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                release(perIp, ip);
                release(perSubnet, subnet);
            }
        };
        InboundSlot.hold(ch, release); // a reserved node's relay circuit gives its place back early
        ch.closeFuture().addListener(f -> release.run());
        channels.initInbound(ch);
    }

    /** Counts one more connection for {@code key}; false (and nothing counted) when at {@code max}. */
    private static <K> boolean take(Map<K, Integer> counts, K key, int max) {
        boolean[] taken = {false};
        counts.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            taken[0] = now < max;
            return taken[0] ? now + 1 : (n == null ? null : n);
        });
        return taken[0];
    }

    private static <K> void release(Map<K, Integer> counts, K key) {
        counts.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }

    private static void refuse(SocketChannel ch, LogThrottle throttle, String why, InetAddress ip, int max) {
        long unlogged = throttle.allow();
        if (unlogged >= 0) {
            log.warn("refusing connection from {}: " + why + " ({} more refused since the last such line)",
                    ip.getHostAddress(), max, unlogged);
        }
        ch.close();
    }
}
