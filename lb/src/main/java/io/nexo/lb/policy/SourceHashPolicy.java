package io.nexo.lb.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Consistent hashing on the client's IP address (not its port), so one client keeps reaching the
 * same backend across connections: a hash ring with virtual nodes, as Ketama, nginx's
 * {@code hash $remote_addr consistent} and HAProxy's {@code balance source} with
 * {@code hash-type consistent}.
 *
 * <pre>
 * Each endpoint puts 160 x weight points on a 64-bit ring, at hash("name#0"), hash("name#1")...
 * A client goes to the owner of the first point at or after hash(client IP), wrapping around:
 *
 *   ring:   ..a....b..c...a.....c..b....a..     client hash h lands here ^, next point is c
 *
 * Removing b deletes only b's points: clients that were on a or c keep their backend, and b's
 * clients (about 1/N of them) spread over the next points, i.e. over a and c.
 * </pre>
 *
 * <p>When the owner is not allowed (this connection already failed there), the walk continues
 * clockwise to the next allowed endpoint, so retries stay deterministic per client too. A pick is a
 * binary search over an immutable sorted array.
 */
public final class SourceHashPolicy implements LoadBalancingPolicy {

    /** Virtual nodes per unit of weight (nginx uses 160). */
    static final int POINTS_PER_WEIGHT = 160;
    /** Bound on the ring size; larger weight sums get fewer points per unit. */
    static final int MAX_POINTS = 1 << 20;

    /** Sorted point hashes (signed order) and the endpoint owning each point. */
    private record Ring(long[] hashes, Endpoint[] owners) {
        static final Ring EMPTY = new Ring(new long[0], new Endpoint[0]);
    }

    private record Point(long hash, Endpoint owner) {
    }

    private volatile Ring ring = Ring.EMPTY;

    @Override
    public String name() {
        return "source-hash";
    }

    @Override
    public void setEndpoints(List<? extends Endpoint> endpoints) {
        long totalWeight = 0;
        for (Endpoint e : endpoints) {
            totalWeight += Math.max(1, e.weight());
        }
        if (totalWeight == 0) {
            ring = Ring.EMPTY;
            return;
        }
        long perWeight = Math.max(1, Math.min(POINTS_PER_WEIGHT, MAX_POINTS / totalWeight));
        List<Point> points = new ArrayList<>();
        for (Endpoint e : endpoints) {
            long count = perWeight * Math.max(1, e.weight());
            for (int p = 0; p < count; p++) {
                points.add(new Point(hash64((e.name() + "#" + p).getBytes(StandardCharsets.UTF_8)), e));
            }
        }
        // Equal hashes (astronomically rare) are ordered by name so the ring never depends on the
        // order endpoints were listed in.
        points.sort(Comparator.<Point>comparingLong(Point::hash).thenComparing(pt -> pt.owner().name()));
        long[] hashes = new long[points.size()];
        Endpoint[] owners = new Endpoint[points.size()];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = points.get(i).hash();
            owners[i] = points.get(i).owner();
        }
        ring = new Ring(hashes, owners);
    }

    @Override
    public Endpoint pick(InetSocketAddress client, Predicate<? super Endpoint> allowed) {
        Ring r = ring;
        int n = r.hashes().length;
        if (n == 0) {
            return null;
        }
        int start = firstAtOrAfter(r.hashes(), clientHash(client));
        Endpoint previous = null;
        for (int i = 0; i < n; i++) {
            Endpoint e = r.owners()[(start + i) % n];
            if (e == previous) {
                continue; // same rejected owner on consecutive points: skip without re-testing
            }
            if (allowed.test(e)) {
                return e;
            }
            previous = e;
        }
        return null;
    }

    /** Index of the first point with a hash at or after {@code h}, wrapping around to 0. */
    private static int firstAtOrAfter(long[] hashes, long h) {
        int i = Arrays.binarySearch(hashes, h);
        if (i < 0) {
            i = -i - 1;
        }
        return i == hashes.length ? 0 : i;
    }

    /** Hash of the client's IP address only: all connections from one host map to one backend. */
    static long clientHash(InetSocketAddress client) {
        if (client == null) {
            return 0;
        }
        InetAddress address = client.getAddress();
        byte[] key = address != null
                ? address.getAddress()
                : client.getHostString().getBytes(StandardCharsets.UTF_8);
        return hash64(key);
    }

    /** FNV-1a over the bytes, then MurmurHash3's 64-bit finaliser to spread nearby keys evenly. */
    static long hash64(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb93fe53fed1bL;
        h ^= h >>> 33;
        return h;
    }
}
