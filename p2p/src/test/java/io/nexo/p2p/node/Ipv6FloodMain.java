package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.testing.HostilePeers;

import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The IPv6 half of {@link EclipseTest}, run by it in a child JVM inside a network namespace whose
 * loopback answers for the whole of {@code fd00:77::/64}: 200 connections from 200 addresses of
 * that /64 leave the node's outbound peer connected. Prints one line {@code ok ...} and exits 0, or
 * prints what went wrong and exits 1.
 */
public final class Ipv6FloodMain {

    static final String PREFIX = "fd00:77::";

    public static void main(String[] args) throws Exception {
        try (TestNodes net = new TestNodes(); HostilePeers raw = new HostilePeers()) {
            PeerNode honest = net.start(TestNodes.nonDialling("honest"));
            PeerNodeConfig config = PeerNodeConfig.of(io.nexo.p2p.identity.NodeIdentity.generate(), "victim",
                            new HostAndPort(PREFIX + "1", 0))
                    .withDiscovery(TestNodes.config("x").discovery().withDegree(1, 50));
            PeerNode victim = net.start(config);
            victim.connect(DialTarget.of(honest.listenAddress())).get(20, TimeUnit.SECONDS);
            List<HostilePeer.Identity> ids = HostilePeer.Identity.generateAll(48);
            List<CompletableFuture<?>> all = new ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Throwable> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
            for (int i = 0; i < 200; i++) {
                String from = PREFIX + Integer.toHexString(0x100 + i);
                all.add(raw.connect(from, victim.listenAddress(), List.of(), ids.get(i % ids.size()))
                        .exceptionally(e -> {
                            firstFailure.compareAndSet(null, e);
                            return null;
                        }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> victim.connectionCounts().inbound() == 16);
            } catch (ConditionTimeoutException e) {
                // reported below with the counts
            }
            ConnectionCounts c = victim.connectionCounts();
            List<PeerInfo> outbound = victim.peers().stream().filter(PeerInfo::outbound).toList();
            boolean ok = c.inbound() == 16 && c.refusedPerSubnet() == 184 && outbound.size() == 1
                    && outbound.get(0).id().equals(honest.peerId());
            System.out.println((ok ? "ok " : "FAILED ") + c + " outbound=" + outbound.stream().map(PeerInfo::name).toList()
                    + (ok ? "" : " first failure: " + firstFailure.get()));
            System.out.flush();
            System.exit(ok ? 0 : 1);
        }
    }
}
