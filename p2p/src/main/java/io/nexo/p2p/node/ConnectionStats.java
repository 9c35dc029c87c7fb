package io.nexo.p2p.node;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the connection manager: what the inbound gate refused before TLS, what the session
 * limits refused, and how many inbound peers were trimmed. Thread-safe (the gate counts on I/O
 * threads).
 */
final class ConnectionStats {

    final LongAdder refusedPerIp = new LongAdder();
    final LongAdder refusedPerSubnet = new LongAdder();
    final LongAdder refusedFull = new LongAdder();
    final LongAdder evicted = new LongAdder();

    ConnectionCounts snapshot(int inbound, int outbound) {
        return new ConnectionCounts(inbound, outbound, refusedPerIp.sum(), refusedPerSubnet.sum(), refusedFull.sum(),
                evicted.sum());
    }
}
