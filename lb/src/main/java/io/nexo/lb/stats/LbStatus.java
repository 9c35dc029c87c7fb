package io.nexo.lb.stats;

import java.util.List;

/**
 * A point-in-time view of a running balancer: what {@code GET /api/status} returns as JSON, what the
 * stats page draws and what {@code /metrics} renders.
 */
public record LbStatus(long uptimeSeconds, List<Listener> listeners, List<Pool> pools) {

    public LbStatus {
        listeners = List.copyOf(listeners);
        pools = List.copyOf(pools);
    }

    public record Listener(String name, String listen, String pool, int maxConnections,
                           int active, long accepted, long refused) {
    }

    public record Pool(String name, String policy, String proxyProtocol, List<Backend> backends) {
        public Pool {
            backends = List.copyOf(backends);
        }
    }

    /**
     * One backend.
     *
     * @param state  what the balancer does with it: {@code up}, {@code down} (failing checks),
     *               {@code drain} or {@code disabled} (set by an operator)
     * @param health the health checks' verdict alone: {@code up} or {@code down}
     * @param checkLatencyMillis the last successful check's connect time, null before the first
     */
    public record Backend(String name, String address, int weight, boolean backup, int maxConnections,
                          String state, String health, int active, long total, long bytesIn, long bytesOut,
                          long connectFailures, Double checkLatencyMillis) {
    }
}
