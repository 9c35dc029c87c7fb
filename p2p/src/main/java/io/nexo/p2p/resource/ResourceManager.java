package io.nexo.p2p.resource;

import io.nexo.p2p.identity.PeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Reserve before work starts, release when it is done: the one place that says what the node, a
 * peer and a protocol may hold (limits in {@link ResourceLimits}), in the spirit of go-libp2p's
 * resource manager. A reservation over any limit is refused at once (the caller drops the message
 * or refuses the request, and it is counted and logged at most once a second per kind); nothing
 * waits for room.
 *
 * <pre>
 *   Optional&lt;Reservation&gt; r = resources.reservePending(peer, Protocol.FILES, frameBytes);
 *   if (r.isEmpty()) { drop; return; }           // over the node's, the peer's or files' limit
 *   try { ... handle ... } finally { r.get().release(); }
 * </pre>
 * Thread-safe: reservations come from every I/O thread and the control loop; one short lock.
 */
public final class ResourceManager {

    private static final Logger log = LoggerFactory.getLogger(ResourceManager.class);

    /** The protocols that have a scope of their own. */
    public enum Protocol { GOSSIP, DIRECT, EXCHANGE, FILES }

    /** Which limit refused a reservation. */
    public enum Refusal { NODE_OUTBOUND, NODE_PENDING, PEER_PENDING, PEER_REQUESTS, PROTOCOL_PENDING }

    /** Usage now and refusals so far. */
    public record Stats(long outboundBytes, long pendingBytes, int peersHolding,
                        Map<Refusal, Long> refusals) {
        public long refused(Refusal r) {
            return refusals.getOrDefault(r, 0L);
        }
    }

    /** Held until released (idempotent); release in a {@code finally} or a write listener. */
    public final class Reservation implements AutoCloseable {
        private final PeerId peer;
        private final Protocol protocol;
        private final long bytes;
        private final boolean outbound;
        private boolean released; // guarded by the manager's lock

        private Reservation(PeerId peer, Protocol protocol, long bytes, boolean outbound) {
            this.peer = peer;
            this.protocol = protocol;
            this.bytes = bytes;
            this.outbound = outbound;
        }

        public long bytes() {
            return bytes;
        }

        public void release() {
            ResourceManager.this.release(this);
        }

        @Override
        public void close() {
            release();
        }
    }

    private static final class PeerUsage {
        long bytes;
        int requests;
    }

    private final ResourceLimits limits;
    private final LongSupplier nanoTime;
    private final Map<PeerId, PeerUsage> peers = new HashMap<>();
    /** Pending bytes per protocol, by ordinal (every received frame passes here: no boxing). */
    private final long[] protocols = new long[Protocol.values().length];
    private final EnumMap<Refusal, Long> refusals = new EnumMap<>(Refusal.class);
    private final EnumMap<Refusal, Long> lastLog = new EnumMap<>(Refusal.class);
    private long outbound;
    private long pending;

    public ResourceManager(ResourceLimits limits, LongSupplier nanoTime) {
        this.limits = limits;
        this.nanoTime = nanoTime;
    }

    public ResourceLimits limits() {
        return limits;
    }

    /**
     * Reserves {@code bytes} of received work from {@code peer} for {@code protocol} (one pending
     * request): refused when the node, the peer (bytes or requests) or the protocol is at its limit.
     */
    public Optional<Reservation> reservePending(PeerId peer, Protocol protocol, long bytes) {
        Refusal refused;
        synchronized (this) {
            PeerUsage u = peers.get(peer);
            long peerBytes = u == null ? 0 : u.bytes;
            int peerRequests = u == null ? 0 : u.requests;
            long protocolBytes = protocols[protocol.ordinal()];
            if (pending + bytes > limits.nodePendingBytes()) {
                refused = Refusal.NODE_PENDING;
            } else if (peerBytes + bytes > limits.peerPendingBytes()) {
                refused = Refusal.PEER_PENDING;
            } else if (peerRequests + 1 > limits.peerPendingRequests()) {
                refused = Refusal.PEER_REQUESTS;
            } else if (protocolBytes + bytes > limits.protocolPendingBytes()) {
                refused = Refusal.PROTOCOL_PENDING;
            } else {
                if (u == null) {
                    u = new PeerUsage();
                    peers.put(peer, u);
                }
                u.bytes += bytes;
                u.requests++;
                protocols[protocol.ordinal()] = protocolBytes + bytes;
                pending += bytes;
                return Optional.of(new Reservation(peer, protocol, bytes, false));
            }
            refusals.merge(refused, 1L, Long::sum);
        }
        logRefusal(refused, peer + " (" + protocol.name().toLowerCase() + ", " + bytes + " bytes)");
        return Optional.empty();
    }

    /** Reserves {@code bytes} queued towards {@code peer}: refused when the node's outbound total is at its limit. */
    public Optional<Reservation> reserveOutbound(PeerId peer, long bytes) {
        synchronized (this) {
            if (outbound + bytes <= limits.nodeOutboundBytes()) {
                outbound += bytes;
                return Optional.of(new Reservation(peer, null, bytes, true));
            }
            refusals.merge(Refusal.NODE_OUTBOUND, 1L, Long::sum);
        }
        logRefusal(Refusal.NODE_OUTBOUND, peer + " (" + bytes + " bytes)");
        return Optional.empty();
    }

    private synchronized void release(Reservation r) {
        if (r.released) {
            return; // idempotent
        }
        r.released = true;
        if (r.outbound) {
            outbound -= r.bytes;
            return;
        }
        pending -= r.bytes;
        protocols[r.protocol.ordinal()] -= r.bytes;
        PeerUsage u = peers.get(r.peer);
        if (u != null) {
            u.bytes -= r.bytes;
            u.requests--;
            if (u.requests == 0) {
                peers.remove(r.peer); // no scope outlives the work it holds
            }
        }
    }

    public synchronized Stats stats() {
        return new Stats(outbound, pending, peers.size(), Map.copyOf(refusals));
    }

    private void logRefusal(Refusal r, String what) {
        long now = nanoTime.getAsLong();
        long count;
        synchronized (this) {
            Long last = lastLog.get(r);
            if (last != null && now - last < TimeUnit.SECONDS.toNanos(1)) {
                return;
            }
            lastLog.put(r, now);
            count = refusals.getOrDefault(r, 0L);
        }
        log.warn("resource limit {} reached: refused {} ({} refusals so far)", describe(r), what, count);
    }

    private String describe(Refusal r) {
        return switch (r) {
            case NODE_OUTBOUND -> "node outbound queue " + limits.nodeOutboundBytes() + " bytes";
            case NODE_PENDING -> "node pending " + limits.nodePendingBytes() + " bytes";
            case PEER_PENDING -> "peer pending " + limits.peerPendingBytes() + " bytes";
            case PEER_REQUESTS -> "peer pending " + limits.peerPendingRequests() + " requests";
            case PROTOCOL_PENDING -> "protocol pending " + limits.protocolPendingBytes() + " bytes";
        };
    }
}
