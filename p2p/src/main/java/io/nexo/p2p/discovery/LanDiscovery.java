package io.nexo.p2p.discovery;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.PeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * LAN discovery ({@code --lan}): every {@code lanInterval} the node sends a UDP multicast datagram
 * {@code nexo1 TAG PEERID PORT NAME} to the group (default 239.255.77.77:5077, an
 * organisation-local scope address that routers do not forward), and reports announcements it hears
 * as {@code SENDER_IP:PORT}. TAG is "open" or a digest of the network key, so nodes of different
 * closed networks ignore each other. The announcement only says where to dial: identity and network
 * membership are still proved by the TLS session and its hello.
 */
public final class LanDiscovery implements AutoCloseable {

    /** Told about each announcement from another node. */
    public interface Sink {
        void found(PeerId id, String name, HostAndPort address);
    }

    private static final Logger log = LoggerFactory.getLogger(LanDiscovery.class);
    private static final int MAX_DATAGRAM = 512;

    private final DiscoveryParams params;
    private final EventLoopGroup scheduler;
    private final String announcement;
    private final PeerId self;
    private final String tag;
    private final Sink sink;
    private MulticastSocket socket;
    private Thread receiver;
    private ScheduledFuture<?> announcer;
    private volatile boolean closed;

    public LanDiscovery(DiscoveryParams params, EventLoopGroup scheduler, PeerId self, String name, int port,
                        String tag, Sink sink) {
        this.params = params;
        this.scheduler = scheduler;
        this.self = self;
        this.tag = tag;
        this.sink = sink;
        this.announcement = "nexo1 " + tag + " " + self + " " + port + " " + name;
    }

    /** Joins the group and starts announcing; logs and carries on without LAN discovery on failure. */
    public void start() {
        try {
            InetSocketAddress group = params.lanGroup().toSocketAddress();
            socket = new MulticastSocket(group.getPort());
            socket.setTimeToLive(1);
            socket.joinGroup(group, null);
            receiver = new Thread(this::receive, "nexo-lan-discovery");
            receiver.setDaemon(true);
            receiver.start();
            long every = params.lanInterval().toMillis();
            announcer = scheduler.next().scheduleAtFixedRate(() -> announce(group), 0, every, TimeUnit.MILLISECONDS);
            log.info("LAN discovery on {} every {} ms", params.lanGroup(), every);
        } catch (IOException | RuntimeException e) {
            log.warn("LAN discovery unavailable on {}: {}", params.lanGroup(), e.toString());
            close();
        }
    }

    private void announce(InetSocketAddress group) {
        byte[] data = announcement.getBytes(StandardCharsets.UTF_8);
        try {
            socket.send(new DatagramPacket(data, Math.min(data.length, MAX_DATAGRAM), group));
        } catch (IOException e) {
            log.debug("LAN announcement failed: {}", e.toString());
        }
    }

    private void receive() {
        byte[] buf = new byte[MAX_DATAGRAM];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                log.debug("LAN discovery receive: {}", e.toString());
                continue;
            }
            parse(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8), p.getAddress());
        }
    }

    void parse(String text, InetAddress from) {
        String[] parts = text.split(" ", 5);
        if (parts.length < 5 || !parts[0].equals("nexo1") || !parts[1].equals(tag)) {
            return;
        }
        try {
            PeerId id = PeerId.parse(parts[2]);
            int port = Integer.parseInt(parts[3]);
            if (!id.equals(self) && port > 0 && port < 65_536) {
                sink.found(id, parts[4], HostAndPort.of(new InetSocketAddress(from, port)));
            }
        } catch (IllegalArgumentException e) {
            log.debug("bad LAN announcement from {}: {}", from, e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        if (announcer != null) {
            announcer.cancel(false);
        }
        if (socket != null) {
            socket.close();
        }
    }
}
