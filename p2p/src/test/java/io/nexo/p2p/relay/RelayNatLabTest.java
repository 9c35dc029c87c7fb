package io.nexo.p2p.relay;

import io.nexo.p2p.testing.LabProcess;
import io.nexo.p2p.testing.NatLab;
import io.nexo.p2p.testing.NatLab.Host;
import io.nexo.p2p.testing.NatLab.NatType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real nexo processes across real Linux NATs ({@link NatLab}): a public relay, a public node, and
 * alice and bob each behind their own MASQUERADE router, joining only the relay. Alice and bob learn
 * they are private (the relay's dial-back is dropped by their routers), reserve on the relay, and
 * bob reaches alice through it: a direct message and a 20 MiB file with equal SHA-256, every byte
 * counted by the relay. The public node learns it is public.
 */
@Tag("slow")
class RelayNatLabTest {

    /** JVM start-up of a child process (on a loaded machine) plus the stated 15 s. */
    private static final Duration VERDICT = Duration.ofSeconds(45);
    private static final Duration STEP = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void natedNodesReachEachOtherThroughTheRelay() throws Exception {
        Path file = tmp.resolve("talk.bin");
        byte[] buf = new byte[1 << 20];
        Random random = new Random(15);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 20; i++) {
                random.nextBytes(buf);
                out.write(buf);
                sha.update(buf);
            }
        }
        String expected = HexFormat.of().formatHex(sha.digest());
        try (NatLab lab = NatLab.create()) {
            Host relayHost = lab.publicHost();
            Host publicHost = lab.publicHost();
            Host aliceHost = lab.natHost(NatType.MASQUERADE);
            Host bobHost = lab.natHost(NatType.MASQUERADE);
            try (LabProcess relay = relayHost.java("relay", RelayLabMain.class, "relay", "0.0.0.0:0")) {
                String[] ready = relay.nextLine(l -> l.startsWith("ready "), STEP).split(" ");
                String relayAt = ready[1] + "@" + relayHost.address().getHostAddress() + ":" + ready[2];
                try (LabProcess pub = publicHost.java("public", RelayLabMain.class, "public", "0.0.0.0:0", relayAt);
                     LabProcess alice = aliceHost.java("alice", RelayLabMain.class, "alice", "0.0.0.0:0", relayAt);
                     LabProcess bob = bobHost.java("bob", RelayLabMain.class, "bob", "0.0.0.0:0", relayAt)) {
                    String aliceId = alice.nextLine(l -> l.startsWith("ready "), STEP).split(" ")[1];
                    String bobId = bob.nextLine(l -> l.startsWith("ready "), STEP).split(" ")[1];
                    String pubPort = pub.nextLine(l -> l.startsWith("ready "), STEP).split(" ")[2];

                    assertThat(pub.nextLine(l -> l.startsWith("reachability "), VERDICT))
                            .isEqualTo("reachability public " + publicHost.address().getHostAddress() + ":" + pubPort);
                    assertThat(alice.nextLine(l -> l.startsWith("reachability "), VERDICT)).isEqualTo("reachability private");
                    assertThat(bob.nextLine(l -> l.startsWith("reachability "), VERDICT)).isEqualTo("reachability private");
                    String aliceRelayed = alice.nextLine(l -> l.startsWith("relayed "), STEP).split(" ")[1];
                    assertThat(aliceRelayed).isEqualTo(aliceId + "@relay:" + relayHost.address().getHostAddress()
                            + ":" + ready[2]);

                    bob.type("connect " + aliceRelayed);
                    assertThat(bob.nextLine(l -> l.startsWith("connect-"), STEP)).isEqualTo("connect-ok " + aliceId + " relayed");
                    // the dialler's session is up first; alice (the TLS server) registers bob once his Hello is read
                    assertThat(alice.nextLine(l -> l.startsWith("connected " + bobId), STEP))
                            .isEqualTo("connected " + bobId + " relayed");
                    alice.type("msg bob hello from behind a NAT");
                    assertThat(alice.nextLine(l -> l.startsWith("sent ") || l.startsWith("send-failed"), STEP))
                            .endsWith(" relayed");
                    assertThat(bob.nextLine(l -> l.startsWith("direct "), STEP)).isEqualTo("direct alice hello from behind a NAT");

                    alice.type("share " + file);
                    String id = alice.nextLine(l -> l.startsWith("shared "), STEP).split(" ")[1];
                    // bob learns of the file from alice's announcement (every 2 s), then fetches it
                    await().atMost(Duration.ofSeconds(60)).until(() -> {
                        bob.type("has " + id);
                        return bob.nextLine(l -> l.startsWith("has " + id), STEP).endsWith(" true");
                    });
                    bob.type("get " + id);
                    assertThat(bob.nextLine(l -> l.startsWith("complete ") || l.startsWith("failed "), STEP))
                            .isEqualTo("complete " + id + " " + expected);
                    relay.type("relaystats");
                    String[] stats = relay.nextLine(l -> l.startsWith("relaystats "), STEP).split(" ");
                    assertThat(Long.parseLong(stats[1])).isGreaterThan(20L << 20);
                    assertThat(Long.parseLong(stats[2])).isEqualTo(1); // one circuit: bob to alice
                }
            }
        }
    }
}
