package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.gossip.GossipParams;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.relay.RelayConfig;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.tls.NetworkKey;
import io.nexo.p2p.wire.WireLimits;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@link PeerNode} is built from.
 *
 * @param identity   key pair and id
 * @param name       nickname shown to others (1-32 printable characters, at most 64 bytes of UTF-8)
 * @param listen     where to accept connections ({@code 0.0.0.0:PORT} for every interface, port 0 = any)
 * @param advertise  addresses announced to others; empty = derived from {@code listen}
 * @param bootstrap  peers dialled at start and redialled when lost
 * @param dataDir    where the address book is kept; empty = in memory only
 * @param networkKey closed network secret; empty = open network
 * @param limits     per-session limits
 * @param gossip     broadcast parameters
 * @param discovery  degree, exchange and reconnection parameters
 * @param connections inbound budget, per-subnet cap and trimming (the connection manager)
 * @param relay      whether it relays for others (and within which limits), and on how many relays it reserves
 */
public record PeerNodeConfig(NodeIdentity identity, String name, HostAndPort listen, List<HostAndPort> advertise,
                             List<DialTarget> bootstrap, Optional<Path> dataDir, Optional<NetworkKey> networkKey,
                             SessionLimits limits, GossipParams gossip, DiscoveryParams discovery,
                             ConnectionLimits connections, RelayConfig relay) {

    public PeerNodeConfig {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > 32 || name.chars().anyMatch(Character::isISOControl)
                || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > WireLimits.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: 1-32 printable characters, at most "
                    + WireLimits.MAX_NAME_BYTES + " bytes of UTF-8)");
        }
        Objects.requireNonNull(listen, "listen");
        advertise = List.copyOf(advertise);
        if (advertise.size() > WireLimits.MAX_ADDRS) {
            throw new IllegalArgumentException("advertise: " + advertise.size() + " addresses (expected: at most "
                    + WireLimits.MAX_ADDRS + ")");
        }
        bootstrap = List.copyOf(bootstrap);
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(networkKey, "networkKey");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(gossip, "gossip");
        Objects.requireNonNull(discovery, "discovery");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(relay, "relay");
    }

    /** With the default {@link RelayConfig}. */
    public PeerNodeConfig(NodeIdentity identity, String name, HostAndPort listen, List<HostAndPort> advertise,
                          List<DialTarget> bootstrap, Optional<Path> dataDir, Optional<NetworkKey> networkKey,
                          SessionLimits limits, GossipParams gossip, DiscoveryParams discovery,
                          ConnectionLimits connections) {
        this(identity, name, listen, advertise, bootstrap, dataDir, networkKey, limits, gossip, discovery, connections,
                RelayConfig.defaults());
    }

    /** With the default {@link ConnectionLimits}. */
    public PeerNodeConfig(NodeIdentity identity, String name, HostAndPort listen, List<HostAndPort> advertise,
                          List<DialTarget> bootstrap, Optional<Path> dataDir, Optional<NetworkKey> networkKey,
                          SessionLimits limits, GossipParams gossip, DiscoveryParams discovery) {
        this(identity, name, listen, advertise, bootstrap, dataDir, networkKey, limits, gossip, discovery,
                ConnectionLimits.defaults());
    }

    /** Defaults for everything but identity, name and listen address. */
    public static PeerNodeConfig of(NodeIdentity identity, String name, HostAndPort listen) {
        return new PeerNodeConfig(identity, name, listen, List.of(), List.of(), Optional.empty(),
                Optional.empty(), SessionLimits.defaults(), GossipParams.defaults(), DiscoveryParams.defaults(),
                ConnectionLimits.defaults(), RelayConfig.defaults());
    }

    public PeerNodeConfig withBootstrap(List<DialTarget> targets) {
        return new PeerNodeConfig(identity, name, listen, advertise, targets, dataDir, networkKey, limits, gossip, discovery, connections, relay);
    }

    public PeerNodeConfig withDataDir(Path dir) {
        return new PeerNodeConfig(identity, name, listen, advertise, bootstrap, Optional.of(dir), networkKey, limits, gossip, discovery, connections, relay);
    }

    public PeerNodeConfig withNetworkKey(NetworkKey key) {
        return new PeerNodeConfig(identity, name, listen, advertise, bootstrap, dataDir, Optional.of(key), limits, gossip, discovery, connections, relay);
    }

    public PeerNodeConfig withLimits(SessionLimits l) {
        return new PeerNodeConfig(identity, name, listen, advertise, bootstrap, dataDir, networkKey, l, gossip, discovery, connections, relay);
    }

    public PeerNodeConfig withGossip(GossipParams g) {
        return new PeerNodeConfig(identity, name, listen, advertise, bootstrap, dataDir, networkKey, limits, g, discovery, connections, relay);
    }

    public PeerNodeConfig withDiscovery(DiscoveryParams d) {
        return new PeerNodeConfig(identity, name, listen, advertise, bootstrap, dataDir, networkKey, limits, gossip, d, connections, relay);
    }

    public PeerNodeConfig withConnections(ConnectionLimits c) {
        return new PeerNodeConfig(identity, name, listen, advertise, bootstrap, dataDir, networkKey, limits, gossip, discovery, c, relay);
    }

    public PeerNodeConfig withAdvertise(List<HostAndPort> a) {
        return new PeerNodeConfig(identity, name, listen, a, bootstrap, dataDir, networkKey, limits, gossip, discovery, connections, relay);
    }

    public PeerNodeConfig withRelay(RelayConfig r) {
        return new PeerNodeConfig(identity, name, listen, advertise, bootstrap, dataDir, networkKey, limits, gossip, discovery, connections, r);
    }
}
