package io.nexo.p2p.bench;

import io.nexo.p2p.gossip.GossipParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The benchmark engine on a small network: it counts what it should (figures are not asserted). */
class GossipBenchTest {

    @Test
    void smallNetworkDeliversEverythingAndFloodingCostsMoreCopies() throws Exception {
        List<String> progress = new ArrayList<>();
        GossipBench.Result flood = new GossipBench(new GossipBench.Params(8, 4, 40, 256, 100,
                GossipParams.Mode.FLOOD, 0, 20, 3), progress::add).run();
        GossipBench.Result tree = new GossipBench(new GossipBench.Params(8, 4, 40, 256, 100,
                GossipParams.Mode.PLUMTREE, 0, 20, 3), progress::add).run();
        for (GossipBench.Result r : List.of(flood, tree)) {
            assertThat(r.liveNodes()).isEqualTo(8);
            assertThat(r.expected()).isEqualTo(40 * 7);
            assertThat(r.delivered()).isEqualTo(r.expected());
            assertThat(r.deliveryRatio()).isEqualTo(1.0);
            assertThat(r.p50Millis()).isPositive().isLessThanOrEqualTo(r.p99Millis());
        }
        // every node forwards every message to all its other neighbours when flooding
        assertThat(flood.duplicatesPerDelivery()).isGreaterThan(tree.duplicatesPerDelivery());
        assertThat(progress).anyMatch(l -> l.startsWith("measuring 40 messages of 256 bytes"));
    }

    @Test
    void parametersAreValidated() {
        assertThatThrownBy(() -> new GossipBench.Params(10, 10, 1, 1024, 1, GossipParams.Mode.FLOOD, 0, 0, 1))
                .hasMessage("degree: 10 (expected: 2 to nodes-1)");
        assertThatThrownBy(() -> new GossipBench.Params(10, 4, 1, 1024, 1, GossipParams.Mode.FLOOD, 1.0, 0, 1))
                .hasMessage("kill: 1.0 (expected: 0 <= kill < 1)");
    }
}
