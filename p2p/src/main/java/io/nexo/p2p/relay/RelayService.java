package io.nexo.p2p.relay;

import com.google.protobuf.ByteString;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.WireLimits;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.RelayIncoming;
import io.nexo.p2p.wire.proto.RelayReservation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The relay side of circuit relay: reservations, one-time circuit tokens, and the circuits they
 * become, all within {@link RelayLimits}. A slot (total, per reserved node, per dialling IP) is taken
 * when a dialler asks for a circuit, before the reserved node is even told, and given back when the
 * token expires unused or the circuit ends. Called from the control loop (reservations) and from I/O
 * threads (preambles); every method holds this object's lock for a few map operations only.
 *
 * <pre>
 *   A (reserved)        R (this relay)                     B (dialler)
 *   RelayReserve  --->  granted, expires in 1 h
 *                       &lt;--- TCP: NEXO-RELAY CONNECT A     (slots taken, token made)
 *   &lt;--- RelayIncoming{token} (over A's session)
 *   TCP: NEXO-RELAY ACCEPT token ---> (token used up)
 *                       OK to both, then bytes spliced; A is the TLS server, B the TLS client
 * </pre>
 */
public final class RelayService {

    private static final Logger log = LoggerFactory.getLogger(RelayService.class);

    private record Reservation(PeerSession session, long expiresAt) {
    }

    private record Pending(PeerId target, InetAddress ip, Channel dialer, long deadline, ScheduledFuture<?> timer) {
    }

    private final RelayLimits limits;
    private final LongSupplier millis;
    private final Random random;
    private final RelayStats stats = new RelayStats();
    private final Map<PeerId, Reservation> reservations = new HashMap<>();
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<PeerId, Integer> perPeer = new HashMap<>();
    private final Map<InetAddress, Integer> perIp = new HashMap<>();
    private int circuits;
    private volatile CircuitTap tap = CircuitTap.NONE;

    /**
     * @param millis the clock of reservation and token expiry
     * @param random source of the circuit tokens (a {@code SecureRandom} outside tests)
     */
    public RelayService(RelayLimits limits, LongSupplier millis, Random random) {
        this.limits = limits;
        this.millis = millis;
        this.random = random;
    }

    public RelayLimits limits() {
        return limits;
    }

    /** Lets {@code t} see every forwarded buffer (tests). */
    public void tap(CircuitTap t) {
        this.tap = t;
    }

    /** Grants or renews {@code s}'s peer a reservation, unless the table is full of others. */
    public synchronized RelayReservation reserve(PeerSession s) {
        long now = millis.getAsLong();
        reservations.values().removeIf(r -> r.expiresAt() <= now || !r.session().isOpen());
        if (!reservations.containsKey(s.peerId()) && reservations.size() >= limits.maxReservations()) {
            stats.refused(RelayStats.Refusal.RESERVATIONS_FULL);
            return RelayReservation.newBuilder().setGranted(false)
                    .setReason("relay full: " + limits.maxReservations() + " reservations").build();
        }
        reservations.put(s.peerId(), new Reservation(s, now + limits.reservationTtl().toMillis()));
        stats.granted();
        log.debug("relay: reservation for {} until +{} ms", s.peerId().shortId(), limits.reservationTtl().toMillis());
        return RelayReservation.newBuilder().setGranted(true)
                .setExpiresInMillis(limits.reservationTtl().toMillis()).build();
    }

    /** The session a reservation was made over closed: the reservation goes with it. */
    public synchronized void sessionClosed(PeerSession s) {
        reservations.computeIfPresent(s.peerId(), (k, r) -> r.session() == s ? null : r);
    }

    /**
     * A dialler asks for a circuit to {@code target}: returns null when the reserved node was told
     * (the dialler waits for OK), or why not.
     */
    synchronized String connect(PeerId target, Channel dialer) {
        long now = millis.getAsLong();
        Reservation r = reservations.get(target);
        if (r == null || r.expiresAt() <= now || !r.session().isOpen()) {
            return refuse(RelayStats.Refusal.NO_RESERVATION, "no reservation for " + target + " on this relay");
        }
        InetAddress ip = ((InetSocketAddress) dialer.remoteAddress()).getAddress();
        if (circuits >= limits.maxCircuits()) {
            return refuse(RelayStats.Refusal.CIRCUITS_FULL, "relay full: " + limits.maxCircuits() + " circuits");
        }
        if (perPeer.getOrDefault(target, 0) >= limits.maxCircuitsPerPeer()) {
            return refuse(RelayStats.Refusal.CIRCUITS_PER_PEER, limits.maxCircuitsPerPeer() + " circuits to that peer already");
        }
        if (perIp.getOrDefault(ip, 0) >= limits.maxCircuitsPerIp()) {
            return refuse(RelayStats.Refusal.CIRCUITS_PER_IP, limits.maxCircuitsPerIp() + " circuits from your address already");
        }
        byte[] token = new byte[WireLimits.RELAY_TOKEN_BYTES];
        random.nextBytes(token);
        String key = HexFormat.of().formatHex(token);
        circuits++;
        perPeer.merge(target, 1, Integer::sum);
        perIp.merge(ip, 1, Integer::sum);
        ScheduledFuture<?> timer = dialer.eventLoop().schedule(() -> expire(key),
                limits.tokenTtl().toMillis(), TimeUnit.MILLISECONDS);
        pending.put(key, new Pending(target, ip, dialer, now + limits.tokenTtl().toMillis(), timer));
        dialer.closeFuture().addListener(f -> dialerLeft(key));
        if (!r.session().send(Envelope.newBuilder().setRelayIncoming(RelayIncoming.newBuilder()
                .setToken(ByteString.copyFrom(token))).build())) {
            Pending p = pending.remove(key);
            release(p);
            return refuse(RelayStats.Refusal.NO_RESERVATION, "the reserved peer cannot be told (its session is full or closing)");
        }
        return null;
    }

    /** The reserved node came back with {@code token}: splices it to the waiting dialler, or says why not. */
    synchronized String accept(String token, Channel acceptor) {
        Pending p = pending.remove(token);
        if (p == null || p.deadline() <= millis.getAsLong() || !p.dialer().isActive()) {
            if (p != null) {
                p.timer().cancel(false);
                release(p);
            }
            return refuse(RelayStats.Refusal.BAD_TOKEN, "unknown, used or expired token");
        }
        p.timer().cancel(false);
        InboundSlot.release(acceptor); // its token bounds it now: one per circuit, within the per-peer limit
        Circuit c = new Circuit(p.dialer(), acceptor, limits.maxCircuitBytes(), stats, tap, () -> release(p));
        stats.spliced();
        c.start(limits.maxCircuitDuration());
        log.debug("relay: circuit {} -> {} open", p.ip().getHostAddress(), p.target().shortId());
        return null;
    }

    /** Counts a refused preamble (not a request at all). */
    void badPreamble() {
        stats.refused(RelayStats.Refusal.BAD_PREAMBLE);
    }

    public synchronized RelayStats.Snapshot stats() {
        return stats.snapshot(reservations.size(), circuits);
    }

    private synchronized void expire(String key) {
        Pending p = pending.remove(key);
        if (p == null) {
            return;
        }
        stats.refused(RelayStats.Refusal.TARGET_SILENT);
        release(p);
        p.dialer().writeAndFlush(Unpooled.copiedBuffer(Preamble.error("the peer did not answer within "
                + limits.tokenTtl().toMillis() + " ms"), StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private synchronized void dialerLeft(String key) {
        Pending p = pending.remove(key);
        if (p != null) {
            p.timer().cancel(false);
            release(p);
        }
    }

    private synchronized void release(Pending p) {
        circuits--;
        perPeer.computeIfPresent(p.target(), (k, n) -> n > 1 ? n - 1 : null);
        perIp.computeIfPresent(p.ip(), (k, n) -> n > 1 ? n - 1 : null);
    }

    private String refuse(RelayStats.Refusal why, String reason) {
        stats.refused(why);
        return reason;
    }
}
