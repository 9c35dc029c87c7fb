package io.nexo.p2p.relay;

import io.nexo.p2p.testing.LabProcess;
import io.nexo.p2p.testing.NatLab;
import io.nexo.p2p.testing.NatLab.Host;
import io.nexo.p2p.testing.NatLab.NatType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
 * counted by the relay. The public node learns it is public. With hole punching on, two such nodes
 * end directly connected and a later 8 MiB transfer leaves the relay's byte counter (almost) still;
 * behind a NAT with a random port per connection the punch fails and messages and the file still
 * pass, every byte through the relay.
 */
@Tag("slow")
class RelayNatLabTest {

    /** JVM start-up of a child process (on a loaded machine) plus the stated 15 s. */
    private static final Duration VERDICT = Duration.ofSeconds(45);
    private static final Duration STEP = Duration.ofSeconds(60);
    /** The file of the transfers after a punch and after a failed one: big enough to dwarf control traffic. */
    private static final int FILE_MIB = 8;
    private static final Duration PUNCH_END = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void natedNodesReachEachOtherThroughTheRelay() throws Exception {
        Path file = tmp.resolve("talk.bin");
        String expected = randomFile(file, 20);
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

                    String id = share(alice, file);
                    assertThat(fetch(bob, id)).isEqualTo("complete " + id + " " + expected);
                    String[] stats = relayStats(relay);
                    assertThat(Long.parseLong(stats[1])).isGreaterThan(20L << 20);
                    assertThat(Long.parseLong(stats[2])).isEqualTo(1); // one circuit: bob to alice
                }
            }
        }
    }

    @Test
    void afterTheNatsArePunchedATransferDoesNotTouchTheRelay() throws Exception {
        Path file = tmp.resolve("direct.bin");
        String expected = randomFile(file, FILE_MIB);
        withRelay((lab, relay, relayAt) -> {
            try (Reserved a = reserved(lab.natHost(NatType.MASQUERADE), "alice", relayAt);
                 Reserved b = reserved(lab.natHost(NatType.MASQUERADE), "bob", relayAt)) {
                LabProcess alice = a.process();
                LabProcess bob = b.process();
                String aliceId = a.id();
                String bobId = b.id();
                assertThat(b.connect(a)).startsWith("connect-ok " + aliceId + " ");
                // nobody tells them an address: the relayed session punches by itself
                await().atMost(STEP).until(() -> path(bob, aliceId).equals("direct punched=true")
                        && path(alice, bobId).equals("direct punched=true"));

                long before = Long.parseLong(relayStats(relay)[1]);
                String id = share(alice, file);
                assertThat(fetch(bob, id)).isEqualTo("complete " + id + " " + expected);
                long grown = Long.parseLong(relayStats(relay)[1]) - before;
                // the file is FILE_MIB MiB; what the relay may still carry is a little control traffic
                assertThat(grown).isLessThan(64 << 10);
                assertThat(path(bob, aliceId)).isEqualTo("direct punched=true");
            }
        });
    }

    @Test
    void behindARandomPortNatThePunchFailsAndMessagesAndFilesStillPassThroughTheRelay() throws Exception {
        Path file = tmp.resolve("relayed.bin");
        String expected = randomFile(file, FILE_MIB);
        withRelay((lab, relay, relayAt) -> {
            try (Reserved c = reserved(lab.natHost(NatType.RANDOM_FULLY), "carol", relayAt);
                 Reserved b = reserved(lab.natHost(NatType.MASQUERADE), "bob", relayAt)) {
                LabProcess carol = c.process();
                LabProcess bob = b.process();
                String carolId = c.id();
                String bobId = b.id();
                assertThat(c.connect(b)).isEqualTo("connect-ok " + bobId + " relayed");
                // the side with the smaller id started the punch: wait for its end
                boolean carolLeads = carolId.compareTo(bobId) < 0;
                LabProcess initiator = carolLeads ? carol : bob;
                initiator.type("holepunch " + (carolLeads ? bobId : carolId));
                // 3 attempts of at most 5 s + 5 s + 1 s each; once seen over 60 s on a loaded machine
                String punched;
                try {
                    punched = initiator.nextLine(l -> l.startsWith("holepunch "), PUNCH_END);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\nbob: " + bob.out() + bob.err(), e);
                }
                assertThat(punched).startsWith("holepunch false ");
                assertThat(path(carol, bobId)).isEqualTo("relayed punched=false");
                assertThat(path(bob, carolId)).isEqualTo("relayed punched=false");

                carol.type("msg " + bobId + " still through the relay");
                assertThat(carol.nextLine(l -> l.startsWith("sent ") || l.startsWith("send-failed"), STEP))
                        .isEqualTo("sent " + bobId + " relayed");
                assertThat(bob.nextLine(l -> l.startsWith("direct "), STEP)).isEqualTo("direct carol still through the relay");

                long before = Long.parseLong(relayStats(relay)[1]);
                String id = share(bob, file);
                assertThat(fetch(carol, id)).isEqualTo("complete " + id + " " + expected);
                assertThat(Long.parseLong(relayStats(relay)[1]) - before).isGreaterThanOrEqualTo((long) FILE_MIB << 20);
            }
        });
    }

    /** A test in a new lab with a relay process on a public host, also given as PEERID@IP:PORT. */
    private interface WithRelay {
        void run(NatLab lab, LabProcess relay, String relayAt) throws Exception;
    }

    private static void withRelay(WithRelay body) throws Exception {
        try (NatLab lab = NatLab.create()) {
            Host relayHost = lab.publicHost();
            try (LabProcess relay = relayHost.java("relay", RelayLabMain.class, "relay", "0.0.0.0:0")) {
                String[] ready = relay.nextLine(l -> l.startsWith("ready "), STEP).split(" ");
                body.run(lab, relay, ready[1] + "@" + relayHost.address().getHostAddress() + ":" + ready[2]);
            }
        }
    }

    /** A node process with hole punching on, its peer id and its relayed address. */
    private record Reserved(LabProcess process, String id, String relayed) implements AutoCloseable {
        /** Connects to {@code to} at its relayed address; returns the node's answer ({@code connect-ok ID PATH}...). */
        String connect(Reserved to) throws IOException, InterruptedException {
            process.type("connect " + to.relayed());
            return process.nextLine(l -> l.startsWith("connect-"), STEP);
        }

        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }

    /** A node with hole punching on, started on {@code host}: ready, private, then reserved on the relay. */
    private static Reserved reserved(Host host, String name, String relayAt) throws Exception {
        LabProcess node = host.java(name, RelayLabMain.class, name, "0.0.0.0:0", relayAt, "punch");
        try {
            String id = node.nextLine(l -> l.startsWith("ready "), STEP).split(" ")[1];
            assertThat(node.nextLine(l -> l.startsWith("reachability "), VERDICT)).isEqualTo("reachability private");
            return new Reserved(node, id, node.nextLine(l -> l.startsWith("relayed "), STEP).split(" ")[1]);
        } catch (Exception | AssertionError e) {
            node.close();
            throw e;
        }
    }

    /** The session's path with {@code peer} as the node sees it: {@code direct|relayed|none punched=true|false}. */
    private static String path(LabProcess node, String peer) throws Exception {
        node.type("path " + peer);
        return node.nextLine(l -> l.startsWith("path " + peer + " "), STEP).substring(("path " + peer + " ").length());
    }

    /** The relay's counters: {@code relaystats BYTES_FORWARDED CIRCUITS_SPLICED RESERVATIONS}, split. */
    private static String[] relayStats(LabProcess relay) throws Exception {
        relay.type("relaystats");
        return relay.nextLine(l -> l.startsWith("relaystats "), STEP).split(" ");
    }

    private static String share(LabProcess node, Path file) throws Exception {
        node.type("share " + file);
        return node.nextLine(l -> l.startsWith("shared "), STEP).split(" ")[1];
    }

    /** The fetcher learns of the file from the sharer's announcement (every 2 s), then fetches it: its end line. */
    private static String fetch(LabProcess fetcher, String id) throws Exception {
        await().atMost(STEP).until(() -> {
            fetcher.type("has " + id);
            return fetcher.nextLine(l -> l.startsWith("has " + id), STEP).endsWith(" true");
        });
        fetcher.type("get " + id);
        return fetcher.nextLine(l -> l.startsWith("complete ") || l.startsWith("failed "), STEP);
    }

    /** Writes {@code mib} MiB of seeded random bytes to {@code file}; returns their SHA-256 in hex. */
    private static String randomFile(Path file, int mib) throws Exception {
        byte[] buf = new byte[1 << 20];
        Random random = new Random(15);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(buf);
                out.write(buf);
                sha.update(buf);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
