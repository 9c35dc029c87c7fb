package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.Backoff;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.identity.NodeIdentity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starts nodes on ephemeral loopback ports with fast discovery, and closes them all. */
public final class TestNodes implements AutoCloseable {
    public final List<PeerNode> nodes = new ArrayList<>();
    public final List<RecordingListener> listeners = new ArrayList<>();

    public static PeerNodeConfig config(String name) {
        return PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0))
                .withDiscovery(DiscoveryParams.defaults().withIntervals(Duration.ofMillis(100),
                        Duration.ofMillis(300), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
    }

    public PeerNode start(PeerNodeConfig config) {
        RecordingListener l = new RecordingListener();
        PeerNode n = new PeerNode(config, l);
        n.start();
        nodes.add(n);
        listeners.add(l);
        return n;
    }

    public PeerNode start(String name, PeerNode... join) {
        List<DialTarget> targets = new ArrayList<>();
        for (PeerNode j : join) {
            targets.add(DialTarget.of(j.listenAddress()));
        }
        return start(config(name).withBootstrap(targets));
    }

    public RecordingListener events(PeerNode n) {
        return listeners.get(nodes.indexOf(n));
    }

    @Override
    public void close() {
        for (PeerNode n : nodes) {
            n.close();
        }
    }
}
