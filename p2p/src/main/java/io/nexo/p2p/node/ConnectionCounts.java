package io.nexo.p2p.node;

/**
 * The node's sessions and what its connection manager did: connections the inbound gate refused
 * (over {@code --max-conns-per-ip} or {@code --max-inbound-per-subnet}), inbound sessions refused
 * because the node was full, and inbound peers trimmed to make room.
 */
public record ConnectionCounts(int inbound, int outbound, long refusedPerIp, long refusedPerSubnet,
                               long refusedFull, long evicted) {
}
