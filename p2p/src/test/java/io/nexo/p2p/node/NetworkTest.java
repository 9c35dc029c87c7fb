package io.nexo.p2p.node;

import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Many nodes on loopback: peer exchange, exactly-once broadcast, failures, restart. */
class NetworkTest {

    private final TestNodes net = new TestNodes();

    @AfterEach
    void close() {
        net.close();
    }

    private List<PeerNode> chain(int n) {
        List<PeerNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(i == 0 ? net.start("n0") : net.start("n" + i, nodes.get(i - 1)));
        }
        return nodes;
    }

    private long count(PeerNode n, String text) {
        return net.events(n).chatTexts().stream().filter(text::equals).count();
    }

    @Test
    void tenNodesInAChainLearnEachOtherAndGetEachBroadcastExactlyOnce() {
        List<PeerNode> nodes = chain(10);
        // each node knew only the previous one; peer exchange spreads every address
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(n -> n.knownPeers().size() == 9));
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(n -> n.peers().size() >= 3));

        for (PeerNode from : List.of(nodes.get(0), nodes.get(5), nodes.get(9))) {
            String text = "from " + from.name();
            from.broadcast(text);
            await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().filter(n -> n != from)
                    .allMatch(n -> count(n, text) >= 1));
        }
        // a last message through the same links: anything sent before it has arrived by now
        nodes.get(3).broadcast("marker");
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().filter(n -> n != nodes.get(3))
                .allMatch(n -> count(n, "marker") == 1));
        for (PeerNode n : nodes) {
            List<String> expected = new ArrayList<>(List.of("from n0", "from n5", "from n9"));
            expected.remove("from " + n.name());
            assertThat(net.events(n).chatTexts().stream().filter(t -> !t.equals("marker")).toList())
                    .as("messages at %s", n.name()).containsExactlyInAnyOrderElementsOf(expected);
        }
        long delivered = nodes.stream().mapToLong(n -> n.gossipStats().delivered()).sum();
        long prunes = nodes.stream().mapToLong(n -> n.gossipStats().prunes()).sum();
        assertThat(delivered).isEqualTo(4 * 9);
        // the same counters without blocking on the node's loop
        assertThat(nodes.get(0).gossipStatsAsync()).succeedsWithin(Duration.ofSeconds(10))
                .isEqualTo(nodes.get(0).gossipStats());
        // the mesh has cycles (every node has >= 3 peers), so copies met and redundant links were pruned
        assertThat(prunes).isPositive();
    }

    @Test
    void killedNodesAreReportedAndTheRestStillGetsBroadcasts() {
        List<PeerNode> nodes = chain(8);
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(n -> n.knownPeers().size() == 7));
        nodes.get(0).broadcast("warm-up");
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.stream().skip(1).allMatch(n -> count(n, "warm-up") == 1));

        List<PeerNode> killed = List.of(nodes.get(2), nodes.get(4), nodes.get(6));
        Set<PeerId> killedIds = killed.stream().map(PeerNode::peerId).collect(Collectors.toSet());
        List<PeerNode> alive = nodes.stream().filter(n -> !killed.contains(n)).toList();
        // who was connected to a killed node must hear of it
        List<PeerNode> neighbours = alive.stream().filter(n -> n.peers().stream().anyMatch(p -> killedIds.contains(p.id())))
                .toList();
        killed.forEach(PeerNode::close);
        assertThat(killed.get(0).gossipStatsAsync()).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(PeerException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> neighbours.stream()
                .allMatch(n -> n.peers().stream().noneMatch(p -> killedIds.contains(p.id()))));
        for (PeerNode n : neighbours) {
            assertThat(net.events(n).disconnected()).as("disconnects seen by %s", n.name())
                    .isNotEmpty().allMatch(killedIds::contains);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> alive.stream().allMatch(n -> !n.peers().isEmpty()));

        alive.get(1).broadcast("after the kill");
        await().atMost(Duration.ofSeconds(15)).until(() -> alive.stream().filter(n -> n != alive.get(1))
                .allMatch(n -> count(n, "after the kill") == 1));
        alive.get(4).broadcast("marker");
        await().atMost(Duration.ofSeconds(15)).until(() -> alive.stream().filter(n -> n != alive.get(4))
                .allMatch(n -> count(n, "marker") == 1));
        for (PeerNode n : alive) {
            if (n != alive.get(1)) {
                assertThat(count(n, "after the kill")).isEqualTo(1);
            }
        }
    }

    @Test
    void restartKeepsThePeerIdAndRejoinsFromTheAddressBook(@TempDir Path dataDir) {
        PeerNode hub = net.start("hub");
        PeerNodeConfig first = TestNodes.config("roamer").withDataDir(dataDir);
        first = new PeerNodeConfig(NodeIdentity.loadOrCreate(dataDir), "roamer", first.listen(), List.of(),
                List.of(DialTarget.of(hub.listenAddress())), first.dataDir(), first.networkKey(), first.limits(),
                first.gossip(), first.discovery());
        PeerNode roamer = net.start(first);
        PeerId id = roamer.peerId();
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.peers().size() == 1);
        roamer.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.peers().isEmpty());

        // no --join this time: the address book in the data dir is enough
        PeerNodeConfig again = new PeerNodeConfig(NodeIdentity.loadOrCreate(dataDir), "roamer",
                first.listen(), List.of(), List.of(), first.dataDir(), first.networkKey(), first.limits(),
                first.gossip(), first.discovery());
        PeerNode back = net.start(again);
        assertThat(back.peerId()).isEqualTo(id);
        // each side reports the session when its own handshake ends: wait for both
        await().atMost(Duration.ofSeconds(10)).until(() -> back.peers().size() == 1 && hub.peers().size() == 1);
        assertThat(back.peers().get(0).id()).isEqualTo(hub.peerId());
        assertThat(hub.peers().get(0).id()).isEqualTo(id);
    }
}
