package io.nexo.p2p.files;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Decides which chunk of one download to request from which peer. Pure logic: it never touches
 * the network or the disk; its caller sends the requests and cancels it returns and reports what
 * arrived. Time and randomness are injected, so a test replays the same decisions.
 *
 * <p>Rules, as BitTorrent clients taught them:
 * <ul>
 *   <li><b>Every peer that has the file works</b>: each peer gets up to
 *       {@link SchedulerConfig#maxInFlightPerPeer()} requests, handed out one per peer in a
 *       shuffled round so no peer is starved while another fills up.</li>
 *   <li><b>Rarest first</b>: a peer is asked for the chunk it has that the fewest peers have, ties
 *       broken at random, so rare chunks spread before their holders leave.</li>
 *   <li><b>Endgame</b>: once every missing chunk has been requested, idle peers are asked for
 *       chunks already in flight elsewhere (up to {@link SchedulerConfig#endgameCopies()} copies);
 *       the first copy to arrive cancels the others, so one slow peer cannot hold back the end.</li>
 *   <li><b>Faults</b>: a peer that sends a chunk failing its hash is dropped from the download
 *       for good and its requests reassigned; a peer that disconnects has its requests reassigned;
 *       a request that times out is reassigned, and a peer that times out
 *       {@link SchedulerConfig#maxTimeouts()} times is dropped.</li>
 * </ul>
 *
 * <p>Example: chunks 0-3, peer A has {0,1,2,3}, B has {0,1}, C has {0}. Availability is 3,2,1,1.
 * With one request per peer, A is asked for 2 or 3 (rarest, tie broken at random), B for 1 and C
 * for 0. Not thread-safe: one download's events are handled one at a time.
 *
 * @param <P> how the caller names a peer (a peer id)
 */
public final class ChunkScheduler<P> {

    /** Ask {@code peer} for {@code chunk} (or, when returned as a cancel, stop asking). */
    public record Request<P>(P peer, int chunk) {
    }

    /**
     * What an arrival changed.
     *
     * @param stored  true when this was the first valid copy of the chunk
     * @param cancels requests to withdraw: endgame duplicates of this chunk, or, after a bad chunk,
     *                every other request to the dropped peer
     */
    public record Arrival<P>(boolean stored, List<Request<P>> cancels) {
    }

    private final class PeerState {
        final BitSet has = new BitSet();
        /** chunk -> nanoTime the request was sent, oldest first. */
        final LinkedHashMap<Integer, Long> inFlight = new LinkedHashMap<>();
        int timeouts;
        /** nanoTime before which the peer said it is busy: no requests until then. */
        long busyUntil;
        boolean busy;
    }

    /** How long a peer that answered "busy" is left alone. */
    public static final long BUSY_BACKOFF_NANOS = 500_000_000L;

    private final int chunkCount;
    private final SchedulerConfig config;
    private final LongSupplier nanoTime;
    private final Random random;
    private final BitSet done;
    private final int[] availability;
    private final Map<P, PeerState> peers = new LinkedHashMap<>();
    private final Set<P> dropped = new HashSet<>();
    private final Map<Integer, Set<P>> requesters = new HashMap<>();
    private final Map<P, Long> received = new LinkedHashMap<>();

    /**
     * @param chunkCount   chunks in the file
     * @param alreadyHeld  chunks held before the download (re)started: never requested
     * @param nanoTime     monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
     * @param random       tie-breaker ({@code new Random()} outside tests)
     */
    public ChunkScheduler(int chunkCount, BitSet alreadyHeld, SchedulerConfig config, LongSupplier nanoTime,
                          Random random) {
        if (chunkCount < 0) {
            throw new IllegalArgumentException("chunk count: " + chunkCount + " (expected: >= 0)");
        }
        this.chunkCount = chunkCount;
        this.config = Objects.requireNonNull(config, "config");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.random = Objects.requireNonNull(random, "random");
        this.done = alreadyHeld.get(0, chunkCount);
        this.availability = new int[chunkCount];
    }

    /**
     * Adds a peer that holds {@code has} (or adds those chunks to a known peer).
     *
     * @return false when the peer was dropped from this download earlier and stays out
     */
    public boolean addPeer(P peer, BitSet has) {
        if (dropped.contains(peer)) {
            return false;
        }
        PeerState s = peers.computeIfAbsent(peer, p -> new PeerState());
        for (int c = has.nextSetBit(0); c >= 0 && c < chunkCount; c = has.nextSetBit(c + 1)) {
            if (!s.has.get(c)) {
                s.has.set(c);
                availability[c]++;
            }
        }
        return true;
    }

    /** {@code peer} now holds {@code chunk} too (a downloader that became a source). */
    public boolean peerHas(P peer, int chunk) {
        Objects.checkIndex(chunk, chunkCount);
        BitSet one = new BitSet();
        one.set(chunk);
        return addPeer(peer, one);
    }

    /**
     * {@code peer} went away (disconnected, stopped sharing): forget it. Its requests are released
     * and will be reassigned by the next {@link #schedule()}; it may come back with
     * {@link #addPeer}.
     *
     * @return the requests that were in flight to it
     */
    public List<Request<P>> removePeer(P peer) {
        PeerState s = peers.remove(peer);
        if (s == null) {
            return List.of();
        }
        for (int c = s.has.nextSetBit(0); c >= 0; c = s.has.nextSetBit(c + 1)) {
            availability[c]--;
        }
        List<Request<P>> released = new ArrayList<>();
        for (int c : s.inFlight.keySet()) {
            release(peer, c);
            released.add(new Request<>(peer, c));
        }
        return released;
    }

    /**
     * Drops {@code peer} from this download for good (it sent bad data or kept timing out).
     *
     * @return its requests still in flight, to cancel
     */
    public List<Request<P>> drop(P peer) {
        dropped.add(peer);
        return removePeer(peer);
    }

    /** True when {@code peer} was dropped from this download. */
    public boolean isDropped(P peer) {
        return dropped.contains(peer);
    }

    /**
     * Hands out work: fills every peer's request slots, rarest chunk first, then endgame copies.
     *
     * @return the new requests, for the caller to send
     */
    public List<Request<P>> schedule() {
        List<Request<P>> out = new ArrayList<>();
        List<P> order = new ArrayList<>(peers.keySet());
        Collections.shuffle(order, random);
        long now = nanoTime.getAsLong();
        order.removeIf(p -> {
            PeerState s = peers.get(p);
            s.busy = s.busy && s.busyUntil - now > 0;
            return s.busy;
        });
        boolean progress = true;
        while (progress) {
            progress = false;
            for (P p : order) {
                PeerState s = peers.get(p);
                if (s.inFlight.size() >= config.maxInFlightPerPeer()) {
                    continue;
                }
                int c = pickRarest(s);
                if (c < 0 && allMissingRequested()) {
                    c = pickEndgame(p, s);
                }
                if (c >= 0) {
                    s.inFlight.put(c, nanoTime.getAsLong());
                    requesters.computeIfAbsent(c, k -> new LinkedHashSet<>()).add(p);
                    out.add(new Request<>(p, c));
                    progress = true;
                }
            }
        }
        return out;
    }

    /**
     * Reports that {@code peer} delivered {@code chunk}, {@code valid} when it matched its hash.
     * A valid first copy completes the chunk and cancels endgame duplicates; an invalid one drops
     * the peer and releases the chunk.
     */
    public Arrival<P> onReceived(P peer, int chunk, boolean valid) {
        Objects.checkIndex(chunk, chunkCount);
        PeerState s = peers.get(peer);
        if (s != null && s.inFlight.remove(chunk) != null) {
            release(peer, chunk);
        }
        if (!valid) {
            return new Arrival<>(false, drop(peer));
        }
        if (done.get(chunk)) {
            return new Arrival<>(false, List.of());
        }
        done.set(chunk);
        received.merge(peer, 1L, Long::sum);
        List<Request<P>> cancels = new ArrayList<>();
        Set<P> others = requesters.remove(chunk);
        if (others != null) {
            for (P other : others) {
                PeerState o = peers.get(other);
                if (o != null) {
                    o.inFlight.remove(chunk);
                }
                cancels.add(new Request<>(other, chunk));
            }
        }
        return new Arrival<>(true, cancels);
    }

    /**
     * {@code peer} refused {@code chunk}: it does not hold it after all (or is too busy to serve);
     * the chunk is asked elsewhere and not from this peer again until it announces it anew.
     */
    public void onRefused(P peer, int chunk) {
        Objects.checkIndex(chunk, chunkCount);
        PeerState s = peers.get(peer);
        if (s == null) {
            return;
        }
        if (s.inFlight.remove(chunk) != null) {
            release(peer, chunk);
        }
        if (s.has.get(chunk)) {
            s.has.clear(chunk);
            availability[chunk]--;
        }
    }

    /**
     * {@code peer} has no upload slot free for {@code chunk} now: the chunk goes back to the pool
     * and the peer gets no request for {@link #BUSY_BACKOFF_NANOS}. It still holds the chunk.
     */
    public void onBusy(P peer, int chunk) {
        Objects.checkIndex(chunk, chunkCount);
        PeerState s = peers.get(peer);
        if (s == null) {
            return;
        }
        if (s.inFlight.remove(chunk) != null) {
            release(peer, chunk);
        }
        s.busyUntil = nanoTime.getAsLong() + BUSY_BACKOFF_NANOS;
        s.busy = true;
    }

    /**
     * Gives up requests older than the timeout; a peer that reaches
     * {@link SchedulerConfig#maxTimeouts()} is dropped.
     *
     * @return requests to cancel (timed out, and those of peers dropped for it)
     */
    public List<Request<P>> expire() {
        long now = nanoTime.getAsLong();
        long timeout = config.requestTimeout().toNanos();
        List<Request<P>> out = new ArrayList<>();
        List<P> toDrop = new ArrayList<>();
        for (Map.Entry<P, PeerState> e : peers.entrySet()) {
            P p = e.getKey();
            PeerState s = e.getValue();
            for (Iterator<Map.Entry<Integer, Long>> it = s.inFlight.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Integer, Long> r = it.next();
                if (now - r.getValue() >= timeout) {
                    it.remove();
                    release(p, r.getKey());
                    out.add(new Request<>(p, r.getKey()));
                    s.timeouts++;
                }
            }
            if (s.timeouts >= config.maxTimeouts()) {
                toDrop.add(p);
            }
        }
        for (P p : toDrop) {
            out.addAll(drop(p));
        }
        return out;
    }

    /** Marks {@code chunk} missing again (the whole-file check found it differs on disk). */
    public void markMissing(int chunk) {
        Objects.checkIndex(chunk, chunkCount);
        done.clear(chunk);
    }

    public boolean isComplete() {
        return done.cardinality() == chunkCount;
    }

    public int chunksDone() {
        return done.cardinality();
    }

    public int chunkCount() {
        return chunkCount;
    }

    /** Requests in flight to {@code peer}. */
    public int inFlight(P peer) {
        PeerState s = peers.get(peer);
        return s == null ? 0 : s.inFlight.size();
    }

    /** Peers that hold {@code chunk} and are part of the download. */
    public int availability(int chunk) {
        return availability[chunk];
    }

    /** Peers currently part of the download. */
    public Set<P> peers() {
        return Collections.unmodifiableSet(peers.keySet());
    }

    /** Valid first copies received from each peer since the download (re)started. */
    public Map<P, Long> receivedByPeer() {
        return Collections.unmodifiableMap(received);
    }

    /** True when every missing chunk that some peer holds is already requested. */
    public boolean inEndgame() {
        return !isComplete() && allMissingRequested();
    }

    private int pickRarest(PeerState s) {
        int best = -1;
        int bestAvailability = Integer.MAX_VALUE;
        int ties = 0;
        for (int c = s.has.nextSetBit(0); c >= 0; c = s.has.nextSetBit(c + 1)) {
            if (done.get(c) || requesters.containsKey(c)) {
                continue;
            }
            int a = availability[c];
            if (a < bestAvailability) {
                best = c;
                bestAvailability = a;
                ties = 1;
            } else if (a == bestAvailability && random.nextInt(++ties) == 0) {
                best = c; // reservoir sampling: each tied chunk wins with probability 1/ties
            }
        }
        return best;
    }

    private int pickEndgame(P peer, PeerState s) {
        int best = -1;
        int bestCopies = Integer.MAX_VALUE;
        int ties = 0;
        for (Map.Entry<Integer, Set<P>> e : requesters.entrySet()) {
            int c = e.getKey();
            Set<P> asked = e.getValue();
            if (!s.has.get(c) || asked.contains(peer) || asked.size() >= config.endgameCopies()) {
                continue;
            }
            if (asked.size() < bestCopies) {
                best = c;
                bestCopies = asked.size();
                ties = 1;
            } else if (asked.size() == bestCopies && random.nextInt(++ties) == 0) {
                best = c;
            }
        }
        return best;
    }

    private boolean allMissingRequested() {
        for (int c = done.nextClearBit(0); c < chunkCount; c = done.nextClearBit(c + 1)) {
            if (availability[c] > 0 && !requesters.containsKey(c)) {
                return false;
            }
        }
        return true;
    }

    private void release(P peer, int chunk) {
        Set<P> asked = requesters.get(chunk);
        if (asked != null) {
            asked.remove(peer);
            if (asked.isEmpty()) {
                requesters.remove(chunk);
            }
        }
    }
}
