package io.nexo.p2p.testing;

import io.nexo.p2p.relay.RelayLabMain;
import io.nexo.p2p.testing.NatLab.Host;
import io.nexo.p2p.testing.NatLab.NatType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * nexo's hole punching in the NAT lab, the natural way: a public relay, two nodes each a process
 * behind its own Linux NAT, joining only the relay. Each learns by itself that it is private and
 * where the relay sees it (AutoNAT), reserves on the relay; they reach each other through the relay
 * (learning each other's relayed address from the relay's peer exchange, or the test connects
 * them), and the relayed session punches by itself (CONNECT with the observed addresses, SYNC,
 * simultaneous open from the listening ports). Between two MASQUERADE NATs they end directly connected, asserted
 * from both sides, every time; behind a NAT with a random port per connection the punch fails and
 * they stay on the relay, where messages still pass.
 */
class HolePunchLabTest {
    private static final Duration STEP = Duration.ofSeconds(40);

    /** A node process on a lab host and its current node's id, port and relayed address. */
    private static final class Node implements AutoCloseable {
        final LabProcess process;
        String id;
        String relayed;

        Node(Host host, String name, String relay) throws IOException {
            this.process = host.java(name, HolePunchNodeMain.class, name, relay);
        }

        void stop() throws IOException, InterruptedException {
            process.type("stop");
            process.nextLine(l -> l.equals("stopped"), STEP);
        }

        /** Starts a new node (new identity); {@link #awaitReserved} follows. */
        void start() throws IOException {
            process.type("new");
        }

        /** The new node is ready, then private (the relay's dial-back is dropped), then reserved. */
        void awaitReserved() throws InterruptedException {
            id = process.nextLine(l -> l.startsWith("ready "), STEP).split(" ")[1];
            assertThat(process.nextLine(l -> l.startsWith("reachability "), STEP)).isEqualTo("reachability private");
            relayed = process.nextLine(l -> l.startsWith("relayed "), STEP).split(" ")[1];
        }

        String status(String peer) throws IOException, InterruptedException {
            process.type("status " + peer);
            return process.nextLine(l -> l.startsWith("status "), STEP);
        }

        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }

    /** A test in a new lab with a relay process on a public host, given as PEERID@IP:PORT. */
    private interface WithRelay {
        void run(NatLab lab, String relayAt) throws Exception;
    }

    private static void withRelay(WithRelay body) throws Exception {
        try (NatLab lab = NatLab.create()) {
            Host relayHost = lab.publicHost();
            try (LabProcess relay = relayHost.java("relay", RelayLabMain.class, "relay", "0.0.0.0:0")) {
                String[] ready = relay.nextLine(l -> l.startsWith("ready "), STEP).split(" ");
                body.run(lab, ready[1] + "@" + relayHost.address().getHostAddress() + ":" + ready[2]);
            }
        }
    }

    /**
     * {@code a} reaches {@code b} through the relay, or finds it connected already: each learns the
     * other's relayed address from the relay's peer exchange and may have dialled it (and punched)
     * by itself. Returns the path of the session.
     */
    private static String connect(Node a, Node b) throws IOException, InterruptedException {
        a.process.type("connect " + b.relayed);
        String ok = a.process.nextLine(l -> l.startsWith("connect-"), STEP);
        assertThat(ok).startsWith("connect-ok " + b.id + " ");
        return ok.substring(ok.lastIndexOf(' ') + 1);
    }

    @Tag("slow")
    @Test
    void twoNodesBehindMasqueradeNatsEndDirectlyConnectedTwentyOfTwenty() throws Exception {
        withRelay((lab, at) -> {
            try (Node a = new Node(lab.natHost(NatType.MASQUERADE), "alice", at);
                 Node b = new Node(lab.natHost(NatType.MASQUERADE), "bob", at)) {
                List<Long> millis = new ArrayList<>();
                for (int round = 0; round < 20; round++) {
                    // both old nodes gone first: a new node must not meet the other's previous one
                    a.stop();
                    b.stop();
                    a.start();
                    b.start();
                    a.awaitReserved();
                    b.awaitReserved();
                    long start = System.nanoTime();
                    connect(a, b);
                    // nobody tells them an address: the relayed session punches by itself
                    try {
                        await().atMost(STEP).until(() -> a.status(b.id).equals("status punched=true path=direct")
                                && b.status(a.id).equals("status punched=true path=direct"));
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        throw new AssertionError("round " + round + ": no direct session; alice: " + a.process.out()
                                + a.process.err() + "\nbob: " + b.process.out() + b.process.err(), e);
                    }
                    millis.add((System.nanoTime() - start) / 1_000_000);
                    String text = "round " + round;
                    a.process.type("msg " + b.id + " " + text);
                    b.process.nextLine(l -> l.equals("direct alice: " + text), STEP);
                }
                // each round's message arrived once
                assertThat(b.process.out().stream().filter(l -> l.startsWith("direct alice: round "))).hasSize(20);
                List<Long> sorted = millis.stream().sorted().toList();
                System.out.printf("hole-punch lab: 20/20 direct, both reserved on the relay to both direct:"
                        + " median %d ms, max %d ms%n", sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
            }
        });
    }

    @Tag("slow")
    @Test
    void aNatWithARandomPortPerConnectionDefeatsThePunchAndTheyStayRelayed() throws Exception {
        withRelay((lab, at) -> {
            try (Node c = new Node(lab.natHost(NatType.RANDOM_FULLY), "carol", at);
                 Node b = new Node(lab.natHost(NatType.MASQUERADE), "bob", at)) {
                c.start();
                b.start();
                c.awaitReserved();
                b.awaitReserved();
                assertThat(connect(c, b)).isEqualTo("relayed");
                // the side with the smaller id started the punch: wait for its end
                Node initiator = c.id.compareTo(b.id) < 0 ? c : b;
                initiator.process.type("punch " + (initiator == c ? b.id : c.id));
                assertThat(initiator.process.nextLine(l -> l.startsWith("punch "), Duration.ofSeconds(60)))
                        .startsWith("punch false ");
                assertThat(c.status(b.id)).isEqualTo("status punched=false path=relayed");
                assertThat(b.status(c.id)).isEqualTo("status punched=false path=relayed");
                c.process.type("msg " + b.id + " still through the relay");
                b.process.nextLine(l -> l.equals("direct carol: still through the relay"), STEP);
            }
        });
    }
}
