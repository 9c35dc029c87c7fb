package io.nexo.p2p.files.net;

import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.relay.RelayConfig;
import io.nexo.p2p.relay.RelayStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A file fetched over a relayed session: the same files/1 protocol, every byte through the relay. */
class RelayedFileExchangeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private FileNodes nodes;

    @BeforeEach
    void setUp() {
        nodes = new FileNodes(tmp.resolve("nodes"));
    }

    @AfterEach
    void tearDown() {
        nodes.close();
    }

    @Test
    void bobFetchesAFileFromAliceThroughTheRelay() throws Exception {
        FileNodes.FileNode r = nodes.startNode("relay", c -> c);
        // hole punching off: on loopback the relayed session would be punched into a direct one
        FileNodes.FileNode a = nodes.startNode("alice", c -> c.withRelay(RelayConfig.defaults().withServe(false)
                .withReserveOn(1).withHolePunch(false)), r);
        FileNodes.FileNode b = nodes.startNode("bob", c -> c.withRelay(RelayConfig.defaults().withServe(false)
                .withHolePunch(false)));
        await().atMost(TIMEOUT).until(() -> !a.node().relayedAddresses().isEmpty());
        DialTarget relayed = a.node().relayedAddresses().get(0);
        PeerInfo toA = b.node().connect(relayed).get(20, TimeUnit.SECONDS);
        assertThat(toA.relayed()).isTrue();

        Path source = TestFiles.random(tmp.resolve("src/talk.bin"), 8, 4321, 7);
        FileId id = a.files().share(source).get(0).manifest().id();
        await().atMost(TIMEOUT).until(() -> b.files().files().stream().anyMatch(o -> o.id().equals(id)));
        long before = r.node().relay().orElseThrow().stats().bytesForwarded();
        b.files().get(id, Optional.empty()).get();
        await().atMost(TIMEOUT).until(() -> b.events().completed.containsKey(id) || b.events().failed.containsKey(id));

        assertThat(b.events().failed).doesNotContainKey(id);
        assertThat(TestFiles.sha256(b.events().completed.get(id))).isEqualTo(TestFiles.sha256(source));
        assertThat(b.files().download(id).orElseThrow().chunksByPeer()).containsOnlyKeys(a.node().peerId());
        // the whole file crossed the relay (plus TLS and framing), over the one circuit
        RelayStats.Snapshot s = r.node().relay().orElseThrow().stats();
        assertThat(s.bytesForwarded() - before).isGreaterThan(8L * TestFiles.MIB + 4321);
        assertThat(s.circuitsSpliced()).isEqualTo(1);
        assertThat(b.node().session(a.node().peerId()).orElseThrow().channel().remoteAddress().toString())
                .contains(String.valueOf(r.node().listenAddress().port()));
    }
}
