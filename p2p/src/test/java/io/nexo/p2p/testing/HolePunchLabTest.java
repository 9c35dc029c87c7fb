package io.nexo.p2p.testing;

import io.nexo.p2p.testing.NatLab.Host;
import io.nexo.p2p.testing.NatLab.NatType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * nexo's hole punching in the NAT lab: two nodes, each a process behind its own Linux NAT, dial
 * each other's public address from their listening port at the same moment (the test coordinates,
 * as CONNECT and SYNC will over a relay). Between two MASQUERADE NATs they end directly connected,
 * asserted from both sides, every time; behind a NAT with a random port per connection they do not.
 */
class HolePunchLabTest {
    private static final Duration STEP = Duration.ofSeconds(40);

    /** A node process on a lab host and its current node's id and listening port. */
    private static final class Node implements AutoCloseable {
        final Host host;
        final LabProcess process;
        String id;
        int port;

        Node(Host host, String name) throws IOException {
            this.host = host;
            this.process = host.java(name, HolePunchNodeMain.class, name);
        }

        void restart() throws IOException, InterruptedException {
            process.type("new");
            String[] ready = process.nextLine(l -> l.startsWith("ready "), STEP).split(" ");
            id = ready[1];
            port = Integer.parseInt(ready[2]);
        }

        /** The address the internet sees this node at: its router's, with its port (MASQUERADE keeps it). */
        String publicAddress() {
            return host.publicAddress().getHostAddress() + ":" + port;
        }

        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }

    /** Both nodes dial each other at once; each side's line: punch OK MILLIS direct=.. peers=.. */
    private static String[] punch(Node a, Node b) throws IOException, InterruptedException {
        a.process.type("punch " + b.id + " " + b.publicAddress());
        b.process.type("punch " + a.id + " " + a.publicAddress());
        return new String[] {a.process.nextLine(l -> l.startsWith("punch "), STEP),
                b.process.nextLine(l -> l.startsWith("punch "), STEP)};
    }

    @Tag("slow")
    @Test
    void twoNodesBehindMasqueradeNatsEndDirectlyConnectedTwentyOfTwenty() throws Exception {
        try (NatLab lab = NatLab.create();
             Node a = new Node(lab.natHost(NatType.MASQUERADE), "alice");
             Node b = new Node(lab.natHost(NatType.MASQUERADE), "bob")) {
            List<Long> millis = new ArrayList<>();
            int direct = 0;
            for (int round = 0; round < 20; round++) {
                a.restart();
                b.restart();
                String[] out = punch(a, b);
                assertThat(out[0]).as("alice, round %d", round).startsWith("punch true ")
                        .endsWith(" direct=true peers=" + b.id);
                assertThat(out[1]).as("bob, round %d", round).startsWith("punch true ")
                        .endsWith(" direct=true peers=" + a.id);
                direct++;
                millis.add(Math.max(Long.parseLong(out[0].split(" ")[2]), Long.parseLong(out[1].split(" ")[2])));
                String text = "round " + round;
                a.process.type("msg " + b.id + " " + text);
                b.process.nextLine(l -> l.equals("direct alice: " + text), STEP);
            }
            assertThat(direct).isEqualTo(20);
            // each round's message arrived once
            assertThat(b.process.out().stream().filter(l -> l.startsWith("direct alice: round "))).hasSize(20);
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.printf("hole-punch lab: %d/20 direct, time to direct session median %d ms, max %d ms%n",
                    direct, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
        }
    }

    @Test
    void aNatWithARandomPortPerConnectionDefeatsThePunch() throws Exception {
        try (NatLab lab = NatLab.create();
             Node c = new Node(lab.natHost(NatType.RANDOM_FULLY), "carol");
             Node b = new Node(lab.natHost(NatType.MASQUERADE), "bob")) {
            c.restart();
            b.restart();
            String[] out = punch(c, b);
            assertThat(out[0]).startsWith("punch false ").endsWith(" direct=false peers=");
            assertThat(out[1]).startsWith("punch false ").endsWith(" direct=false peers=");
        }
    }
}
