package io.nexo.lb.config;

import io.nexo.core.config.Durations;
import io.nexo.core.net.HostAndPort;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where a pool's backends come from in DNS, besides its listed ones.
 *
 * @param targets  the names resolved; empty = no DNS discovery
 * @param servers  the DNS servers asked, in order; empty = the system's (/etc/resolv.conf)
 * @param interval time between two resolutions of a name; a record's TTL shortens it, but never below
 *                 {@link #MIN_TTL_INTERVAL} (see {@link #nextDelay})
 */
public record DnsConfig(List<DnsTarget> targets, List<HostAndPort> servers, Duration interval) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    /** A short TTL brings the next resolution forward, but not closer than this. */
    public static final Duration MIN_TTL_INTERVAL = Duration.ofSeconds(1);
    public static final DnsConfig NONE = new DnsConfig(List.of(), List.of(), DEFAULT_INTERVAL);

    public DnsConfig {
        targets = List.copyOf(targets);
        servers = List.copyOf(servers);
        Objects.requireNonNull(interval, "dns-interval");
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("dns-interval: " + Durations.format(interval) + " (expected: "
                    + Durations.format(MIN_INTERVAL) + "-" + Durations.format(MAX_INTERVAL) + ")");
        }
        for (HostAndPort s : servers) {
            if (s.port() < 1) {
                throw new IllegalArgumentException("dns-server: " + s + " (expected: HOST:PORT, port 1-65535)");
            }
        }
        if (targets.size() != targets.stream().distinct().count()) {
            throw new IllegalArgumentException("backend-dns: a name appears twice (expected: each once)");
        }
    }

    public boolean enabled() {
        return !targets.isEmpty();
    }

    /**
     * When to resolve again after an answer whose smallest TTL was {@code ttlSeconds} (negative: no
     * answer): the interval, or the TTL when that is shorter, but at least {@link #MIN_TTL_INTERVAL}
     * (or the interval, when that is shorter still).
     *
     * <pre>
     * interval 10s: ttl 30 -> 10s, ttl 4 -> 4s, ttl 0 -> 1s;  interval 200ms: ttl 0 -> 200ms
     * </pre>
     */
    public Duration nextDelay(long ttlSeconds) {
        if (ttlSeconds < 0 || Duration.ofSeconds(ttlSeconds).compareTo(interval) >= 0) {
            return interval;
        }
        Duration ttl = Duration.ofSeconds(ttlSeconds);
        Duration floor = MIN_TTL_INTERVAL.compareTo(interval) < 0 ? MIN_TTL_INTERVAL : interval;
        return ttl.compareTo(floor) < 0 ? floor : ttl;
    }
}
