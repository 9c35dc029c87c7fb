package io.nexo.p2p.discovery;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.identity.Signatures;
import io.nexo.p2p.identity.VerifyingKey;
import io.nexo.p2p.tls.NetworkKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * LAN discovery ({@code --lan}): every {@code lanInterval} the node sends a UDP multicast datagram to
 * the group (default 239.255.77.77:5077, an organisation-local scope address that routers do not
 * forward), and reports announcements it hears as {@code SENDER_IP:PORT}. An open network's node
 * signs what it says with its node key: {@code nexo3 TIME PEERID PORT KEY SIG NAME}, KEY its public
 * key and SIG its signature over {@code "TIME PEERID PORT NAME"} (both base64url); a receiver accepts
 * it when KEY hashes to PEERID, SIG verifies and TIME is within {@link #MAX_AGE_SECONDS}. A closed
 * network's node sends no name and nothing constant: {@code nexo2 NONCE TIME PEERID PORT PROOF},
 * PROOF = {@link NetworkKey#lanProof} over a fresh random nonce and the time in seconds; a receiver
 * with the same key checks it and the time, others ignore it. Either only says where to dial:
 * identity and network membership are still proved by the TLS session and its hello.
 */
public final class LanDiscovery implements AutoCloseable {

    /** Told about each announcement from another node. */
    public interface Sink {
        void found(PeerId id, String name, HostAndPort address);
    }

    private static final Logger log = LoggerFactory.getLogger(LanDiscovery.class);
    private static final int MAX_DATAGRAM = 512;
    /** A closed network's announcement older (or newer) than this, by the receiver's clock, is ignored. */
    static final long MAX_AGE_SECONDS = 60;
    /** Signature checks of open announcements per second at most (a LAN flooder costs this much CPU, no more). */
    static final int MAX_VERIFICATIONS_PER_SECOND = 50;
    private static final byte[] OPEN_DOMAIN = "nexo-lan-open-v3".getBytes(StandardCharsets.US_ASCII);

    private final DiscoveryParams params;
    private final EventLoopGroup scheduler;
    private final NodeIdentity identity;
    private final PeerId self;
    private final String name;
    private final int port;
    private final Optional<NetworkKey> key;
    private final LongSupplier clockMillis;
    private final Random random;
    private final Sink sink;
    private MulticastSocket socket;
    private Thread receiver;
    private ScheduledFuture<?> announcer;
    private volatile boolean closed;
    private long verifySecond;
    private int verifiedThisSecond;

    public LanDiscovery(DiscoveryParams params, EventLoopGroup scheduler, NodeIdentity identity, String name, int port,
                        Optional<NetworkKey> key, LongSupplier clockMillis, Random random, Sink sink) {
        this.params = params;
        this.scheduler = scheduler;
        this.identity = identity;
        this.self = identity.peerId();
        this.name = name;
        this.port = port;
        this.key = key;
        this.clockMillis = clockMillis;
        this.random = random;
        this.sink = sink;
    }

    /** The next announcement: a closed network's is new each time. */
    String announcement() {
        if (key.isEmpty()) {
            String signed = clockMillis.getAsLong() / 1000 + " " + self + " " + port + " " + name;
            byte[] sig = Signatures.sign(identity.privateKey(), OPEN_DOMAIN, signed.getBytes(StandardCharsets.UTF_8));
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String[] f = signed.split(" ", 4);
            return "nexo3 " + f[0] + " " + f[1] + " " + f[2] + " " + b64.encodeToString(identity.publicKey().getEncoded())
                    + " " + b64.encodeToString(sig) + " " + name;
        }
        byte[] n = new byte[16];
        random.nextBytes(n);
        String nonce = HexFormat.of().formatHex(n);
        long time = clockMillis.getAsLong() / 1000;
        return "nexo2 " + nonce + " " + time + " " + self + " " + port + " " + key.get().lanProof(nonce, time, self, port);
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
        byte[] data = announcement().getBytes(StandardCharsets.UTF_8);
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
        String[] parts = text.split(" ", 7);
        try {
            if (key.isEmpty() && parts.length == 7 && parts[0].equals("nexo3")) {
                parseOpen(parts, from);
            } else if (key.isPresent() && parts.length == 6 && parts[0].equals("nexo2")) {
                long time = Long.parseLong(parts[2]);
                PeerId id = PeerId.parse(parts[3]);
                int p = Integer.parseInt(parts[4]);
                boolean recent = Math.abs(clockMillis.getAsLong() / 1000 - time) <= MAX_AGE_SECONDS;
                if (recent && MessageDigest.isEqual(parts[5].getBytes(StandardCharsets.US_ASCII),
                        key.get().lanProof(parts[1], time, id, p).getBytes(StandardCharsets.US_ASCII))) {
                    found(id, p, "", from);
                }
            }
        } catch (IllegalArgumentException e) {
            log.debug("bad LAN announcement from {}: {}", from, e.getMessage());
        }
    }

    /** {@code nexo3 TIME PEERID PORT KEY SIG NAME}: the cheap checks first, then at most a bounded rate of signature checks. */
    private void parseOpen(String[] parts, InetAddress from) {
        long time = Long.parseLong(parts[1]);
        PeerId id = PeerId.parse(parts[2]);
        int p = Integer.parseInt(parts[3]);
        long nowSeconds = clockMillis.getAsLong() / 1000;
        if (Math.abs(nowSeconds - time) > MAX_AGE_SECONDS || id.equals(self) || !AddressBook.validName(parts[6])) {
            return;
        }
        Base64.Decoder b64 = Base64.getUrlDecoder();
        Optional<VerifyingKey> publicKey = Signatures.keyOf(id, b64.decode(parts[4]));
        if (publicKey.isEmpty() || !mayVerify(nowSeconds)) {
            return;
        }
        String signed = parts[1] + " " + parts[2] + " " + parts[3] + " " + parts[6];
        if (Signatures.verify(publicKey.get(), b64.decode(parts[5]), OPEN_DOMAIN, signed.getBytes(StandardCharsets.UTF_8))) {
            found(id, p, parts[6], from);
        } else {
            log.debug("LAN announcement from {} with a bad signature for {}", from, id.shortId());
        }
    }

    private boolean mayVerify(long nowSeconds) {
        if (nowSeconds != verifySecond) {
            verifySecond = nowSeconds;
            verifiedThisSecond = 0;
        }
        return verifiedThisSecond++ < MAX_VERIFICATIONS_PER_SECOND;
    }

    private void found(PeerId id, int p, String peerName, InetAddress from) {
        if (!id.equals(self) && p > 0 && p < 65_536) {
            sink.found(id, peerName, HostAndPort.of(new InetSocketAddress(from, p)));
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
