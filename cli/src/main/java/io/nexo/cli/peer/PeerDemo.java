package io.nexo.cli.peer;

import io.nexo.cli.ExitCodes;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The peer half of {@code nexo demo}: three nodes on free loopback ports form a network (bob joins
 * alice, carol joins bob and learns alice by peer exchange), alice broadcasts, carol sends alice a
 * direct message, and every node's received messages are printed.
 */
public final class PeerDemo {

    private static final long WAIT_MS = 15_000;

    private final PrintWriter out;
    private final Map<String, List<PeerEvent>> received = new ConcurrentHashMap<>();

    public PeerDemo(PrintWriter out) {
        this.out = out;
    }

    public int run() throws InterruptedException {
        out.println();
        out.println("P2P network: three peers on free ports, each session mutual TLS 1.3");
        List<PeerNode> nodes = new ArrayList<>();
        try {
            PeerNode alice = start("alice", null, nodes);
            PeerNode bob = start("bob", alice, nodes);
            PeerNode carol = start("carol", bob, nodes);
            out.println("  TLS engine: " + alice.tlsProvider());
            if (!await(() -> alice.peers().size() == 1 && carol.peers().size() == 1
                    && carol.knownPeers().stream().anyMatch(e -> e.id().equals(alice.peerId())))) {
                return fail("the three peers did not connect within " + WAIT_MS + " ms");
            }
            out.println("  bob joined alice, carol joined bob and learned alice's address by peer exchange");

            String text = "hello everyone, alice here";
            out.println("alice broadcasts \"" + text + "\"");
            alice.broadcast(text);
            if (!await(() -> messages("bob").size() == 1 && messages("carol").size() == 1)) {
                return fail("the broadcast did not reach everyone within " + WAIT_MS + " ms");
            }
            String dm = "hi alice, carol here (just for you)";
            out.println("carol sends a direct message to alice: \"" + dm + "\"");
            carol.sendDirect("alice", dm).get(WAIT_MS, TimeUnit.MILLISECONDS);
            if (!await(() -> directs("alice").size() == 1)) {
                return fail("the direct message did not arrive within " + WAIT_MS + " ms");
            }
            // a last broadcast from bob proves nothing else was in flight when we print
            out.println("bob broadcasts \"that's all\" (once it is everywhere, nothing else is in flight)");
            bob.broadcast("that's all");
            if (!await(() -> messages("alice").size() == 1 && messages("carol").size() == 2)) {
                return fail("bob's broadcast did not reach everyone within " + WAIT_MS + " ms");
            }

            out.println("who received what:");
            for (PeerNode n : nodes) {
                List<String> lines = new ArrayList<>();
                for (PeerEvent e : received.getOrDefault(n.name(), List.of())) {
                    if (e instanceof PeerEvent.MessageReceived m) {
                        lines.add("broadcast from " + m.originName() + " (" + m.hops() + " hop"
                                + (m.hops() == 1 ? "" : "s") + "): \"" + m.text() + "\"");
                    } else if (e instanceof PeerEvent.DirectReceived d) {
                        lines.add("direct from " + d.fromName() + ": \"" + d.text() + "\"");
                    }
                }
                out.printf("  %-6s %s%n", n.name(), lines.isEmpty() ? "nothing" : lines.get(0));
                for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    out.printf("  %-6s %s%n", "", l);
                }
            }
            out.println("each node got each broadcast once; only alice got carol's direct message");
            out.flush();
            return ExitCodes.OK;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return fail(PeerConsole.unwrap(e.getCause() != null ? e.getCause() : e));
        } finally {
            nodes.forEach(PeerNode::close);
        }
    }

    private PeerNode start(String name, PeerNode join, List<PeerNode> nodes) {
        received.put(name, new CopyOnWriteArrayList<>());
        PeerNodeConfig config = PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0))
                // no dialling beyond --join, so the network stays a line alice - bob - carol
                .withDiscovery(DiscoveryParams.defaults().withDegree(0, 8))
                .withBootstrap(join == null ? List.of() : List.of(DialTarget.of(join.listenAddress())));
        PeerNode node = new PeerNode(config, e -> {
            if (e instanceof PeerEvent.MessageReceived || e instanceof PeerEvent.DirectReceived) {
                received.get(name).add(e);
            }
        });
        HostAndPort at = node.start();
        nodes.add(node);
        out.printf("  %-6s %s  listening on %s%s%n", name, node.peerId().shortId(), at,
                join == null ? "" : ", joins " + join.name());
        return node;
    }

    private List<PeerEvent> messages(String name) {
        return received.get(name).stream().filter(e -> e instanceof PeerEvent.MessageReceived).toList();
    }

    private List<PeerEvent> directs(String name) {
        return received.get(name).stream().filter(e -> e instanceof PeerEvent.DirectReceived).toList();
    }

    private int fail(String why) {
        out.println("peer demo failed: " + why);
        out.flush();
        return ExitCodes.FAILURE;
    }

    /** Polls {@code condition} for up to {@link #WAIT_MS}. */
    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
