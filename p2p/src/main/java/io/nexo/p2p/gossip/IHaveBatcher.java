package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.WireLimits;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.IHave;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Plumtree's lazy push for one {@link GossipRouter}: ids for each lazy peer are gathered for at most
 * {@code interval} and sent as IHave frames cut to the peers' frame limit; a peer's pending ids are
 * capped (announcements are hints, the eager tree still carries the message). An id a peer shows it
 * holds before the flush (it announced it, or pushed a copy) leaves that peer's batch: at 10
 * messages a second a batch holds two or three ids, and of two lazy neighbours that both hold a
 * message, the one whose batch goes first spares the other its announcement. Confined to the
 * router's thread.
 */
final class IHaveBatcher {
    /** Bytes of one message id on the wire in an IHave (tag, length, 16 bytes). */
    private static final int IHAVE_ID_WIRE_BYTES = 2 + WireLimits.MESSAGE_ID_BYTES;
    /** Frame bytes around the ids of an IHave: kind, envelope and IHave headers, hops. */
    private static final int IHAVE_OVERHEAD_BYTES = 32;
    /** Ids announced to one lazy peer per flush, at most this many IHave frames' worth. */
    private static final int MAX_PENDING_IHAVE_BATCHES = 4;

    private final GossipRouter.Network network;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final int batch;
    // insertion-ordered sets: removing an id a peer announced costs O(1) however long its batch
    private final Map<PeerId, LinkedHashSet<ByteString>> pending = new HashMap<>();
    private ScheduledFuture<?> flush;
    private long dropped;
    private long skipped;
    private long frames;

    IHaveBatcher(GossipRouter.Network network, ScheduledExecutorService scheduler, Duration interval, int maxFrameBytes) {
        this.network = network;
        this.scheduler = scheduler;
        this.interval = interval;
        this.batch = (int) Math.max(1, Math.min(WireLimits.MAX_IHAVE_IDS,
                ((long) maxFrameBytes - IHAVE_OVERHEAD_BYTES) / IHAVE_ID_WIRE_BYTES));
    }

    /** Announces {@code id} to {@code peer} with the next flush. */
    void add(PeerId peer, ByteString id) {
        LinkedHashSet<ByteString> ids = pending.computeIfAbsent(peer, k -> new LinkedHashSet<>());
        if (ids.size() < MAX_PENDING_IHAVE_BATCHES * batch) {
            ids.add(id);
        } else {
            dropped++;
        }
        if (flush == null) {
            flush = scheduler.schedule(this::flush, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Announces {@code id} to {@code peer} now, in a frame of its own. */
    void sendNow(PeerId peer, ByteString id) {
        send(peer, IHave.newBuilder().addIds(id));
    }

    /** {@code peer} showed it holds {@code id}: it is not announced to it (if still pending). */
    void peerHas(PeerId peer, ByteString id) {
        LinkedHashSet<ByteString> ids = pending.get(peer);
        if (ids != null && ids.remove(id)) {
            skipped++;
        }
    }

    /** An id not announced to a peer that announced it before this node got the message. */
    void countSkipped() {
        skipped++;
    }

    void peerDown(PeerId peer) {
        pending.remove(peer);
    }

    /** Ids not announced because a peer's pending batch was full. */
    long dropped() {
        return dropped;
    }

    /** Ids not announced because the peer showed it held them first ({@link #peerHas}). */
    long skipped() {
        return skipped;
    }

    /** IHave frames sent, batched and immediate. */
    long frames() {
        return frames;
    }

    private void flush() {
        flush = null;
        for (Map.Entry<PeerId, LinkedHashSet<ByteString>> e : pending.entrySet()) {
            IHave.Builder frame = IHave.newBuilder();
            for (ByteString id : e.getValue()) {
                frame.addIds(id);
                if (frame.getIdsCount() == batch) {
                    send(e.getKey(), frame);
                    frame = IHave.newBuilder();
                }
            }
            if (frame.getIdsCount() > 0) { // a batch emptied by peerHas sends nothing
                send(e.getKey(), frame);
            }
        }
        pending.clear();
    }

    private void send(PeerId peer, IHave.Builder ids) {
        frames++;
        network.send(peer, Envelope.newBuilder().setIhave(ids).build());
    }
}
