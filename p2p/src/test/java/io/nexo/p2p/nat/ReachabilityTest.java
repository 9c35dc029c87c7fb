package io.nexo.p2p.nat;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ReachabilityTest {

    private static final PeerId P1 = NodeIdentity.generate().peerId();
    private static final PeerId P2 = NodeIdentity.generate().peerId();
    private static final HostAndPort AT = new HostAndPort("198.51.100.7", 5000);

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Reachability r = new Reachability(60_000, now::get);

    @Test
    void unknownUntilAVerdict() {
        assertThat(r.status()).isEqualTo(Reachability.Status.UNKNOWN);
        assertThat(r.verifiedAddress()).isEmpty();
    }

    @Test
    void failuresAloneMeanPrivate() {
        r.unreachable(P1);
        assertThat(r.status()).isEqualTo(Reachability.Status.PRIVATE);
        r.unreachable(P2);
        assertThat(r.status()).isEqualTo(Reachability.Status.PRIVATE);
        assertThat(r.verdicts()).isEqualTo(2);
    }

    @Test
    void oneDialBackThatArrivedMeansPublicAtThatAddress() {
        r.unreachable(P1);
        r.reached(P2, AT);
        assertThat(r.status()).isEqualTo(Reachability.Status.PUBLIC);
        assertThat(r.verifiedAddress()).contains(AT);
    }

    @Test
    void aPeersNewVerdictReplacesItsOld() {
        r.reached(P1, AT);
        r.unreachable(P1);
        assertThat(r.status()).isEqualTo(Reachability.Status.PRIVATE);
        assertThat(r.verdicts()).isEqualTo(1);
    }

    @Test
    void verdictsAgeOutOnTheClock() {
        r.reached(P1, AT);
        now.addAndGet(59_999);
        r.unreachable(P2);
        assertThat(r.status()).isEqualTo(Reachability.Status.PUBLIC);
        now.addAndGet(1);
        assertThat(r.status()).isEqualTo(Reachability.Status.PRIVATE); // P1's success aged out
        assertThat(r.hasVerdictFrom(P1)).isFalse();
        now.addAndGet(60_000);
        assertThat(r.status()).isEqualTo(Reachability.Status.UNKNOWN);
    }

    @Test
    void onlyTheNewestPeersCount() {
        r.reached(P1, AT);
        for (int i = 0; i < Reachability.MAX_VERDICTS; i++) {
            r.unreachable(NodeIdentity.generate().peerId());
        }
        assertThat(r.verdicts()).isEqualTo(Reachability.MAX_VERDICTS);
        assertThat(r.status()).isEqualTo(Reachability.Status.PRIVATE);
    }
}
