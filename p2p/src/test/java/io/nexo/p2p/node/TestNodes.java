package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.Backoff;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.identity.NodeIdentity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** Starts nodes on ephemeral loopback ports with fast discovery, and closes them all. */
public final class TestNodes implements AutoCloseable {
    public final List<PeerNode> nodes = new ArrayList<>();
    public final List<RecordingListener> listeners = new ArrayList<>();

    public static PeerNodeConfig config(String name) {
        return PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0))
                .withDiscovery(DiscoveryParams.defaults().withIntervals(Duration.ofMillis(100),
                        Duration.ofMillis(300), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
    }

    /** A test node that dials nobody by itself (target degree 0): its sessions are the ones the test makes. */
    public static PeerNodeConfig nonDialling(String name) {
        return config(name).withDiscovery(config(name).discovery().withDegree(0, 50));
    }

    public PeerNode start(PeerNodeConfig config) {
        RecordingListener l = new RecordingListener();
        return start(new PeerNode(config, l), l);
    }

    /** Starts a node the test built itself (another resolver, clock...), closed with the others. */
    public PeerNode start(PeerNode n, RecordingListener l) {
        n.start();
        nodes.add(n);
        listeners.add(l);
        return n;
    }

    /** {@code a} dials {@code b}; returns once both ends have the session (each side reports it on its own). */
    public static void connect(PeerNode a, PeerNode b) {
        a.connect(DialTarget.of(b.listenAddress())).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.peers().stream().anyMatch(p -> p.id().equals(a.peerId())));
    }

    /**
     * Sends a direct message and waits until its recipient reported it; returns how long that took
     * (failing beyond {@code bound}).
     */
    public long directMillis(PeerNode from, PeerNode to, String text, Duration bound) {
        long start = System.nanoTime();
        from.sendDirect(to.name(), text).orTimeout(bound.toMillis(), TimeUnit.MILLISECONDS).join();
        await().atMost(bound).pollInterval(Duration.ofMillis(5))
                .until(() -> events(to).directTexts().contains(from.name() + ": " + text));
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /**
     * How long {@code from} may take to reach {@code to} while a test attacks: 1 s, or 5 times the
     * slowest of five direct messages sent now when the machine itself is slower than that (a
     * loaded machine shared with other builds).
     */
    public Duration directBound(PeerNode from, PeerNode to) {
        long slowest = 0;
        for (int i = 0; i < 5; i++) {
            slowest = Math.max(slowest, directMillis(from, to, "baseline " + i, Duration.ofSeconds(10)));
        }
        return Duration.ofMillis(Math.max(1000, 5 * slowest));
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
