package io.nexo.lb.proxy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open client connections of one listener per client: per IPv4 address, and per IPv6 /64, because
 * one host or home network usually holds a whole /64 and can pick a fresh address in it for every
 * connection (HAProxy counts per address; a per-address limit would not hold such a client).
 * IPv4-mapped IPv6 clients count as their IPv4 address.
 *
 * <p>Every connection is counted, whatever the limit, so a limit set by a reload applies to the
 * connections already open. An entry lives only while its client has a connection open, so the map
 * never holds more entries than the listener holds connections.
 */
public final class PerIpLimiter {

    private final ConcurrentHashMap<Object, Integer> open = new ConcurrentHashMap<>();

    /**
     * Counts one more connection of {@code client} unless it already holds {@code max} (0 = no limit).
     *
     * @return false when refused; nothing is counted then
     */
    public boolean tryAcquire(InetAddress client, int max) {
        boolean[] admitted = {false};
        open.compute(key(client), (k, n) -> {
            int count = n == null ? 0 : n;
            if (max > 0 && count >= max) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        return admitted[0];
    }

    /** One connection counted by {@link #tryAcquire} closed. */
    public void release(InetAddress client) {
        open.computeIfPresent(key(client), (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Connections open now from {@code client}'s address (IPv4) or /64 (IPv6). */
    public int open(InetAddress client) {
        return open.getOrDefault(key(client), 0);
    }

    /** Clients (addresses or /64s) with a connection open. */
    public int clients() {
        return open.size();
    }

    /** An Integer for IPv4, a Long (the first 64 bits) for IPv6: never equal to each other. */
    static Object key(InetAddress client) {
        byte[] a = client.getAddress();
        if (client instanceof Inet4Address) {
            return ByteBuffer.wrap(a).getInt();
        }
        return ByteBuffer.wrap(a).getLong();
    }
}
