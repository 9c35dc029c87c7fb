package io.nexo.p2p.discovery;

import io.nexo.core.net.HostAndPort;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node finds and keeps peers.
 *
 * @param targetOutbound      the node dials known peers until it has this many outbound sessions
 * @param maxPeers            sessions in total (in and out); when full, an outbound or bootstrap session
 *                            trims an inbound one and a stranger is refused (see the node's ConnectionManager)
 * @param maxConnectionsPerIp inbound connections (handshaking or established) from one IP address
 * @param maintenanceInterval how often the node checks its degree and redials
 * @param pexInterval         how often it asks a random neighbour for more addresses
 * @param backoff             reconnection backoff (exponential with jitter)
 * @param lan                 announce and listen for peers by UDP multicast on the local network
 * @param lanGroup            multicast group and port of LAN discovery
 * @param lanInterval         how often a LAN announcement is sent
 * @param addressBookCapacity peers remembered at most (least recently seen forgotten first)
 */
public record DiscoveryParams(int targetOutbound, int maxPeers, int maxConnectionsPerIp,
                              Duration maintenanceInterval, Duration pexInterval, Backoff backoff,
                              boolean lan, HostAndPort lanGroup, Duration lanInterval,
                              int addressBookCapacity) {

    public static final HostAndPort DEFAULT_LAN_GROUP = new HostAndPort("239.255.77.77", 5077);

    public DiscoveryParams {
        if (targetOutbound < 0 || targetOutbound > 1000) {
            throw new IllegalArgumentException("targetOutbound: " + targetOutbound + " (expected: 0-1000)");
        }
        if (maxPeers < 1 || maxPeers < targetOutbound) {
            throw new IllegalArgumentException("maxPeers: " + maxPeers
                    + " (expected: >= 1 and >= target outbound " + targetOutbound + ")");
        }
        if (maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("maxConnectionsPerIp: " + maxConnectionsPerIp + " (expected: > 0)");
        }
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(lanGroup, "lanGroup");
        for (Duration d : new Duration[] {maintenanceInterval, pexInterval, lanInterval}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("discovery intervals must be > 0, got " + d);
            }
        }
        if (addressBookCapacity < 16) {
            throw new IllegalArgumentException("addressBookCapacity: " + addressBookCapacity + " (expected: >= 16)");
        }
    }

    public static DiscoveryParams defaults() {
        return new DiscoveryParams(6, 50, 16, Duration.ofSeconds(1), Duration.ofSeconds(10),
                new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5)), false, DEFAULT_LAN_GROUP,
                Duration.ofSeconds(5), 1000);
    }

    public DiscoveryParams withDegree(int target, int max) {
        return new DiscoveryParams(target, max, maxConnectionsPerIp, maintenanceInterval, pexInterval,
                backoff, lan, lanGroup, lanInterval, addressBookCapacity);
    }

    public DiscoveryParams withMaxConnectionsPerIp(int v) {
        return new DiscoveryParams(targetOutbound, maxPeers, v, maintenanceInterval, pexInterval,
                backoff, lan, lanGroup, lanInterval, addressBookCapacity);
    }

    public DiscoveryParams withIntervals(Duration maintenance, Duration pex, Backoff b) {
        return new DiscoveryParams(targetOutbound, maxPeers, maxConnectionsPerIp, maintenance, pex,
                b, lan, lanGroup, lanInterval, addressBookCapacity);
    }

    public DiscoveryParams withLan(boolean on, HostAndPort group, Duration interval) {
        return new DiscoveryParams(targetOutbound, maxPeers, maxConnectionsPerIp, maintenanceInterval,
                pexInterval, backoff, on, group, interval, addressBookCapacity);
    }
}
