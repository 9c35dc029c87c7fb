package io.nexo.cli.peer;

import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.resource.ResourceLimits;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.session.SessionMetrics;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LimitsFormatTest {

    private final ResourceManager resources = new ResourceManager(
            ResourceLimits.defaults().withPending(1 << 20, 1 << 20, 1 << 20, 16), () -> 0L);
    private final GossipRouter.Stats gossip = new GossipRouter.Stats(1, 2, 3, 4, 5, 600, 7, 8192, 1, 9, 10, 11, 0);

    @Test
    void textNamesEachCounterAndOnlyTheRefusalsThatHappened() {
        resources.reservePending(NodeIdentity.generate().peerId(), ResourceManager.Protocol.GOSSIP, 1 << 20).orElseThrow();
        assertThat(resources.reservePending(NodeIdentity.generate().peerId(), ResourceManager.Protocol.GOSSIP, 1)).isEmpty();
        assertThat(LimitsFormat.format(false, new SessionMetrics(), resources.stats(), gossip)).isEqualTo(String.join("\n",
                "refused at decode: none",
                "frames: 0 over the limit, 0 malformed; 0 not sent (over the limit)",
                "rates: 0 messages dropped; sessions closed: 0 flooding, 0 not reading",
                "resources: 1048576 bytes pending, 0 bytes queued out; refused: node pending 1",
                "gossip: 600 announced ids ignored, 7 not announced, 8192 bytes cached, 1 too large to relay, "
                        + "9 refused by the signature checks"));
    }

    @Test
    void jsonIsOneObject() {
        assertThat(LimitsFormat.format(true, new SessionMetrics(), resources.stats(), gossip))
                .startsWith("{\"event\":\"limits\",\"refusedAtDecode\":{},\"oversizedFrames\":0,")
                .contains("\"ihaveIgnored\":600", "\"resourceRefusals\":{}", "\"signatureRefused\":9")
                .doesNotContain("\n");
    }
}
