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

/** The datagrams alone (no socket): what an announcement shows, and who accepts it. */
class LanDiscoveryTest {

    private static final NodeIdentity ALICE_KEY = NodeIdentity.generate();
    private static final PeerId ALICE = ALICE_KEY.peerId();
    private static final NodeIdentity BOB = NodeIdentity.generate();
    private static final NodeIdentity MALLORY = NodeIdentity.generate();
    private static final NetworkKey KEY = new NetworkKey("the members' secret, 32 bytes...".getBytes(StandardCharsets.UTF_8));
    private static final NetworkKey OTHER = new NetworkKey("another network's secret, 32 b..".getBytes(StandardCharsets.UTF_8));
    private static final long T0 = 1_700_000_000_000L;

    private final AtomicLong now = new AtomicLong(T0);
    private final List<String> found = new ArrayList<>();

    private LanDiscovery node(NodeIdentity id, Optional<NetworkKey> key) {
        return node(id, "alice", key);
    }

    private LanDiscovery node(NodeIdentity id, String name, Optional<NetworkKey> key) {
        return new LanDiscovery(DiscoveryParams.defaults(), null, id, name, 5000, key, now::get, new Random(),
                (peer, n, addr) -> found.add(peer.shortId() + " '" + n + "' " + addr));
    }

    @Test
    void aClosedNetworksAnnouncementHasNoNameAndNothingConstant() {
        LanDiscovery alice = node(ALICE_KEY, Optional.of(KEY));
        String first = alice.announcement();
        String second = alice.announcement();
        assertThat(first).startsWith("nexo2 ").doesNotContain("alice");
        String[] a = first.split(" ");
        String[] b = second.split(" ");
        assertThat(a[1]).isNotEqualTo(b[1]); // nonce
        assertThat(a[5]).isNotEqualTo(b[5]); // proof
    }

    @Test
    void onlyAMemberAcceptsItAndOnlyWhileItIsRecent() throws Exception {
        String announcement = node(ALICE_KEY, Optional.of(KEY)).announcement();
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

    @Test
    void anOpenNetworksAnnouncementIsSignedByTheNodeItNames() throws Exception {
        String announcement = node(ALICE_KEY, "alice smith", Optional.empty()).announcement();
        assertThat(announcement).startsWith("nexo3 " + T0 / 1000 + " " + ALICE + " 5000 ").endsWith(" alice smith");
        assertThat(announcement.getBytes(StandardCharsets.UTF_8).length).isLessThan(512 - 64);
        InetAddress from = InetAddress.getByName("127.0.0.2");
        node(BOB, Optional.of(KEY)).parse(announcement, from); // a closed network ignores open announcements
        assertThat(found).isEmpty();
        node(BOB, Optional.empty()).parse(announcement, from);
        assertThat(found).containsExactly(ALICE.shortId() + " 'alice smith' " + new HostAndPort("127.0.0.2", 5000));
    }

    @Test
    void anOpenAnnouncementChangedOrSignedByAnotherKeyOrOldIsIgnored() throws Exception {
        String genuine = node(ALICE_KEY, Optional.empty()).announcement();
        String[] f = genuine.split(" ", 7);
        String byMallory = node(MALLORY, Optional.empty()).announcement();
        String[] m = byMallory.split(" ", 7);
        InetAddress from = InetAddress.getByName("127.0.0.2");
        LanDiscovery bob = node(BOB, Optional.empty());
        bob.parse(genuine.replace(" 5000 ", " 5001 "), from);           // another port
        bob.parse(genuine.replace(" alice", " alicia"), from);          // another name
        bob.parse(String.join(" ", f[0], f[1], f[2], f[3], m[4], m[5], f[6]), from); // mallory's key and signature, alice's id
        bob.parse(String.join(" ", f[0], f[1], f[2], f[3], f[4], m[5], f[6]), from); // alice's key, mallory's signature
        bob.parse(String.join(" ", f[0], f[1], f[2], f[3], f[4], "!!", f[6]), from);  // junk
        bob.parse("nexo1 open " + ALICE + " 5000 alice", from);        // the old unsigned form
        assertThat(found).isEmpty();
        now.addAndGet((LanDiscovery.MAX_AGE_SECONDS + 1) * 1000);
        bob.parse(genuine, from);
        assertThat(found).isEmpty();
        now.addAndGet(-(LanDiscovery.MAX_AGE_SECONDS + 1) * 1000);
        bob.parse(genuine, from);
        assertThat(found).hasSize(1);
    }

    @Test
    void signatureChecksAreBoundedPerSecond() throws Exception {
        LanDiscovery bob = node(BOB, Optional.empty());
        InetAddress from = InetAddress.getByName("127.0.0.2");
        String genuine = node(ALICE_KEY, Optional.empty()).announcement();
        for (int i = 0; i < LanDiscovery.MAX_VERIFICATIONS_PER_SECOND; i++) {
            bob.parse(genuine, from);
        }
        bob.parse(genuine, from); // over the budget this second: not even checked
        assertThat(found).hasSize(LanDiscovery.MAX_VERIFICATIONS_PER_SECOND);
        now.addAndGet(1000);
        bob.parse(genuine, from);
        assertThat(found).hasSize(LanDiscovery.MAX_VERIFICATIONS_PER_SECOND + 1);
    }
}
