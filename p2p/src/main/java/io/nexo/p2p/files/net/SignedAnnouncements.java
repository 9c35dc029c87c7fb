package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nexo.p2p.gossip.SignedGossip;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Gossip;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Holders' own signed file announcements, kept to be passed on in a {@code Catalog} so a newcomer
 * learns other holders' offers at once, and checked when they come in one: a peer can relay what a
 * holder signed, never speak for it. An announcement is valid for {@code validity} after its
 * origin time (three announce intervals: a holder re-announces well before). Bounded: the newest
 * {@link #PER_HOLDER} announcements of at most {@code maxHolders} holders. Thread-safe (synchronized).
 */
final class SignedAnnouncements {

    /** Announcements kept per holder (one covers up to 64 offers). */
    static final int PER_HOLDER = 4;
    /** Signed announcements read from one catalog; the rest is ignored. */
    static final int MAX_PER_CATALOG = 256;
    /** How far in the future an origin time may be (clock skew). */
    private static final long MAX_FUTURE_MILLIS = Duration.ofMinutes(1).toMillis();

    /** A verified announcement: who signed it and when. */
    record Verified(PeerId holder, long originTimeMillis, byte[] payload) {
    }

    private final long validityMillis;
    private final int maxHolders;
    private final LongSupplier clockMillis;
    private final LinkedHashMap<PeerId, Deque<Gossip>> byHolder;

    SignedAnnouncements(Duration validity, int maxHolders, LongSupplier clockMillis) {
        this.validityMillis = validity.toMillis();
        this.maxHolders = maxHolders;
        this.clockMillis = clockMillis;
        this.byHolder = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PeerId, Deque<Gossip>> eldest) {
                return size() > SignedAnnouncements.this.maxHolders;
            }
        };
    }

    /** Keeps {@code signed} (an announcement the node delivered, so already verified) to pass on. */
    synchronized void remember(PeerId holder, byte[] signed) {
        if (signed.length == 0) {
            return;
        }
        try {
            Gossip g = Gossip.parseFrom(signed);
            Deque<Gossip> q = byHolder.computeIfAbsent(holder, h -> new ArrayDeque<>());
            q.removeIf(old -> old.getId().equals(g.getId()));
            q.addLast(g);
            while (q.size() > PER_HOLDER) {
                q.removeFirst();
            }
        } catch (InvalidProtocolBufferException e) {
            // the node encoded it: cannot happen
        }
    }

    /** Valid announcements of every holder but {@code except}, encoded, newest holders last, at most {@link #MAX_PER_CATALOG}. */
    synchronized List<ByteString> forCatalog(PeerId except) {
        long now = clockMillis.getAsLong();
        List<ByteString> out = new ArrayList<>();
        for (Map.Entry<PeerId, Deque<Gossip>> e : byHolder.entrySet()) {
            if (e.getKey().equals(except)) {
                continue;
            }
            for (Gossip g : e.getValue()) {
                if (fresh(g.getOriginTimeMillis(), now) && out.size() < MAX_PER_CATALOG) {
                    out.add(g.toByteString());
                }
            }
        }
        return out;
    }

    /** The holder and content of {@code raw} when it is a fresh announcement its holder signed; else empty. */
    Optional<Verified> verify(ByteString raw, String topic) {
        Gossip g;
        try {
            g = Gossip.parseFrom(raw);
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
        if (!g.getTopic().equals(topic) || !fresh(g.getOriginTimeMillis(), clockMillis.getAsLong())) {
            return Optional.empty();
        }
        Optional<PeerId> holder = SignedGossip.verify(g);
        holder.ifPresent(h -> remember(h, raw.toByteArray()));
        return holder.map(h -> new Verified(h, g.getOriginTimeMillis(), g.getPayload().toByteArray()));
    }

    synchronized void forget(PeerId holder) {
        byHolder.remove(holder);
    }

    private boolean fresh(long originTime, long now) {
        return originTime + validityMillis >= now && originTime <= now + MAX_FUTURE_MILLIS;
    }
}
