package io.nexo.p2p.gossip;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.WireLimits;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.IHave;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Plumtree's lazy push for one {@link GossipRouter}: ids for each lazy peer are gathered for at most
 * {@code interval} and sent as IHave frames cut to the peers' frame limit; a peer's pending ids are
 * capped (announcements are hints, the eager tree still carries the message). Confined to the
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
    private final Map<PeerId, List<ByteString>> pending = new HashMap<>();
    private ScheduledFuture<?> flush;
    private long dropped;

    IHaveBatcher(GossipRouter.Network network, ScheduledExecutorService scheduler, Duration interval, int maxFrameBytes) {
        this.network = network;
        this.scheduler = scheduler;
        this.interval = interval;
        this.batch = (int) Math.max(1, Math.min(WireLimits.MAX_IHAVE_IDS,
                ((long) maxFrameBytes - IHAVE_OVERHEAD_BYTES) / IHAVE_ID_WIRE_BYTES));
    }

    /** Announces {@code id} to {@code peer} with the next flush. */
    void add(PeerId peer, ByteString id) {
        List<ByteString> ids = pending.computeIfAbsent(peer, k -> new ArrayList<>());
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
        network.send(peer, Envelope.newBuilder().setIhave(IHave.newBuilder().addIds(id)).build());
    }

    void peerDown(PeerId peer) {
        pending.remove(peer);
    }

    /** Ids not announced because a peer's pending batch was full. */
    long dropped() {
        return dropped;
    }

    private void flush() {
        flush = null;
        for (Map.Entry<PeerId, List<ByteString>> e : pending.entrySet()) {
            List<ByteString> ids = e.getValue();
            for (int i = 0; i < ids.size(); i += batch) {
                network.send(e.getKey(), Envelope.newBuilder()
                        .setIhave(IHave.newBuilder().addAllIds(ids.subList(i, Math.min(ids.size(), i + batch)))).build());
            }
        }
        pending.clear();
    }
}
