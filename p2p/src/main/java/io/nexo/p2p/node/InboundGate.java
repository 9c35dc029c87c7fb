package io.nexo.p2p.node;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Admits inbound connections within the per-IP limit, then builds the peer pipeline. */
final class InboundGate extends ChannelInitializer<SocketChannel> {

    private static final Logger log = LoggerFactory.getLogger(InboundGate.class);

    private final int maxPerIp;
    private final PeerChannels channels;
    private final Map<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private volatile long lastLog;

    InboundGate(int maxPerIp, PeerChannels channels) {
        this.maxPerIp = maxPerIp;
        this.channels = channels;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        InetAddress ip = ch.remoteAddress().getAddress();
        AtomicInteger count = perIp.computeIfAbsent(ip, k -> new AtomicInteger());
        if (count.incrementAndGet() > maxPerIp) {
            count.decrementAndGet();
            long now = System.nanoTime();
            if (now - lastLog > TimeUnit.SECONDS.toNanos(1)) {
                lastLog = now;
                log.warn("refusing connection from {}: over {} connections from that address",
                        ip.getHostAddress(), maxPerIp);
            }
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> {
            if (count.decrementAndGet() <= 0) {
                perIp.remove(ip, count);
            }
        });
        channels.initInbound(ch);
    }
}
