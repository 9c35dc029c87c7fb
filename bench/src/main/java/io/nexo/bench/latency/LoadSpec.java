package io.nexo.bench.latency;

import java.time.Duration;

/**
 * What one open-loop run does: {@code rate} HTTP GET requests per second to {@code host:port/path},
 * spread over {@code connections} connections, for {@code warmup} (not measured) then
 * {@code duration} (measured, in a run of its own after the warm-up run); {@code drain} is how long after the last due time answers are awaited;
 * {@code transport} names the generator's socket transport (auto = epoll where available, else NIO).
 */
public record LoadSpec(Mode mode, String host, int port, String path, int rate, int connections,
                       Duration warmup, Duration duration, Duration drain, String transport) {

    /** How requests use connections. */
    public enum Mode {
        /** HTTP/1.1 keep-alive: each connection carries one request at a time, for the whole run (wrk). */
        KEEPALIVE,
        /** A new TCP connection per request ({@code Connection: close}); the connect is in the latency. */
        NEWCONN;

        /** The mode named {@code keepalive} or {@code newconn}. */
        public static Mode named(String name) {
            return switch (name) {
                case "keepalive" -> KEEPALIVE;
                case "newconn" -> NEWCONN;
                default -> throw new IllegalArgumentException("mode: " + name + " (expected: keepalive or newconn)");
            };
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Upper bound of {@code --rate}: far above what one generator thread can drive. */
    public static final int MAX_RATE = 2_000_000;
    /** Upper bound of {@code --connections}. */
    public static final int MAX_CONNECTIONS = 10_000;

    public LoadSpec {
        if (mode == null || host == null || host.isEmpty()) {
            throw new IllegalArgumentException("mode and host are required");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
        if (path == null || !path.startsWith("/") || path.chars().anyMatch(ch -> ch <= ' ' || ch >= 127)) {
            throw new IllegalArgumentException("path: " + path + " (expected: /... without spaces or controls)");
        }
        if (rate < 1 || rate > MAX_RATE) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: 1-" + MAX_RATE + ")");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: 1-" + MAX_CONNECTIONS + ")");
        }
        if (warmup == null || warmup.isNegative()) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
        if (transport == null || !java.util.List.of("auto", "epoll", "io_uring", "nio").contains(transport)) {
            throw new IllegalArgumentException("transport: " + transport + " (expected: auto, epoll, io_uring or nio)");
        }
        if (drain == null || drain.isNegative()) {
            throw new IllegalArgumentException("drain: " + drain + " (expected: >= 0)");
        }
    }

    /** Requests of the whole run, warm-up included. */
    public long totalRequests() {
        return (warmup.toNanos() + duration.toNanos()) * rate / 1_000_000_000L;
    }

    /** Requests due during the warm-up (not measured). */
    public long warmupRequests() {
        return warmup.toNanos() * rate / 1_000_000_000L;
    }
}
