package io.nexo.p2p.discovery;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.tls.NetworkKey;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The datagrams alone (no socket): what a closed network's announcement shows, and who accepts it. */
class LanDiscoveryTest {

    private static final PeerId ALICE = NodeIdentity.generate().peerId();
    private static final PeerId BOB = NodeIdentity.generate().peerId();
    private static final NetworkKey KEY = new NetworkKey("the members' secret, 32 bytes...".getBytes(StandardCharsets.UTF_8));
    private static final NetworkKey OTHER = new NetworkKey("another network's secret, 32 b..".getBytes(StandardCharsets.UTF_8));
    private static final long T0 = 1_700_000_000_000L;

    private final AtomicLong now = new AtomicLong(T0);
    private final List<String> found = new ArrayList<>();

    private LanDiscovery node(PeerId id, Optional<NetworkKey> key) {
        return new LanDiscovery(DiscoveryParams.defaults(), null, id, "alice", 5000, key, now::get, new Random(),
                (peer, name, addr) -> found.add(peer.shortId() + " '" + name + "' " + addr));
    }

    @Test
    void aClosedNetworksAnnouncementHasNoNameAndNothingConstant() {
        LanDiscovery alice = node(ALICE, Optional.of(KEY));
        String first = alice.announcement();
        String second = alice.announcement();
        assertThat(first).startsWith("nexo2 ").doesNotContain("alice");
        String[] a = first.split(" ");
        String[] b = second.split(" ");
        assertThat(a[1]).isNotEqualTo(b[1]); // nonce
        assertThat(a[5]).isNotEqualTo(b[5]); // proof
        assertThat(node(ALICE, Optional.empty()).announcement()).isEqualTo("nexo1 open " + ALICE + " 5000 alice");
    }

    @Test
    void onlyAMemberAcceptsItAndOnlyWhileItIsRecent() throws Exception {
        String announcement = node(ALICE, Optional.of(KEY)).announcement();
        InetAddress from = InetAddress.getByName("127.0.0.2");
        node(BOB, Optional.of(OTHER)).parse(announcement, from);
        node(BOB, Optional.empty()).parse(announcement, from);
        assertThat(found).isEmpty();
        node(BOB, Optional.of(KEY)).parse(announcement, from);
        assertThat(found).containsExactly(ALICE.shortId() + " '' " + new HostAndPort("127.0.0.2", 5000));

        found.clear();
        node(BOB, Optional.of(KEY)).parse(announcement.replace(" 5000 ", " 5001 "), from);
        now.addAndGet((LanDiscovery.MAX_AGE_SECONDS + 1) * 1000);
        node(BOB, Optional.of(KEY)).parse(announcement, from);
        assertThat(found).isEmpty();
    }
}
