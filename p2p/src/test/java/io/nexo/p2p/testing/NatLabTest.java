package io.nexo.p2p.testing;

import io.nexo.p2p.testing.NatLab.Host;
import io.nexo.p2p.testing.NatLab.NatType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The NAT lab with plain sockets: two processes behind two NATs learn their observed addresses from
 * a rendezvous process on the internet and open a TCP connection to each other simultaneously.
 * Between two MASQUERADE NATs that works every time; a NAT with a random port per connection, or a
 * dial from one side only, is dropped.
 */
class NatLabTest {
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final int PUNCH_MILLIS = 3_000;

    /** The rendezvous server and two peers, each a process on its own host of the lab. */
    private record Trio(LabProcess rendezvous, String rendezvousAddress, LabProcess a, LabProcess b)
            implements AutoCloseable {
        static Trio start(NatLab lab, NatType typeA, NatType typeB) throws Exception {
            Host pub = lab.publicHost();
            Host hostA = lab.natHost(typeA);
            Host hostB = lab.natHost(typeB);
            LabProcess r = pub.java("rendezvous", PlainPunchMain.class, "rendezvous");
            String port = r.nextLine(l -> l.startsWith("listening "), STEP).split(" ")[1];
            return new Trio(r, pub.address().getHostAddress() + ":" + port,
                    hostA.java("a", PlainPunchMain.class, "peer", "a"),
                    hostB.java("b", PlainPunchMain.class, "peer", "b"));
        }

        @Override
        public void close() throws InterruptedException {
            for (LabProcess p : List.of(a, b, rendezvous)) {
                p.close();
            }
        }
    }

    /** What one side saw: its observed address, its local port, how its punch ended and when (ms after the order). */
    private record Side(String observed, int localPort, String outcome, long millis) {
    }

    /**
     * 20 rounds, each on new ports, take about a second: not slow. MASQUERADE keeps the port, so
     * the observed address is the router's WAN address and the local port.
     */
    @Test
    void twentyOfTwentySimultaneousOpensSucceedBetweenMasqueradeNats() throws Exception {
        try (NatLab lab = NatLab.create(); Trio t = Trio.start(lab, NatType.MASQUERADE, NatType.MASQUERADE)) {
            List<String> outcomes = new ArrayList<>();
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Side[] sides = round(t, true);
                millis.add(Math.max(sides[0].millis(), sides[1].millis()));
                assertThat(sides[0].observed()).isEqualTo("198.18.0.101:" + sides[0].localPort());
                assertThat(sides[1].observed()).isEqualTo("198.18.0.102:" + sides[1].localPort());
                outcomes.add(sides[0].outcome() + "/" + sides[1].outcome());
            }
            assertThat(outcomes).containsOnly("punched b/punched a").hasSize(20);
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.printf("plain-socket lab: %d/20 connected, time to connection median %d ms, max %d ms%n",
                    outcomes.size(), sorted.get(10), sorted.get(19));
        }
    }

    @Test
    void aRandomPortPerConnectionOnOneSideDefeatsTheSimultaneousOpen() throws Exception {
        try (NatLab lab = NatLab.create(); Trio t = Trio.start(lab, NatType.RANDOM_FULLY, NatType.MASQUERADE)) {
            Side[] sides = round(t, true);
            assertThat(sides[0].observed()).startsWith("198.18.0.101:");
            assertThat(sides[0].outcome()).startsWith("failed ");
            assertThat(sides[1].outcome()).startsWith("failed ");
        }
    }

    @Test
    void aDialFromOneSideOnlyIsDroppedByTheOtherNat() throws Exception {
        try (NatLab lab = NatLab.create(); Trio t = Trio.start(lab, NatType.MASQUERADE, NatType.MASQUERADE)) {
            Side[] sides = round(t, false);
            assertThat(sides[0].outcome()).startsWith("failed ").contains("timed out");
        }
    }

    /** Both sides learn their observed address, then a punches b, and b punches a when {@code both}. */
    private static Side[] round(Trio t, boolean both) throws IOException, InterruptedException {
        t.a().type("learn " + t.rendezvousAddress());
        t.b().type("learn " + t.rendezvousAddress());
        String[] la = t.a().nextLine(l -> l.startsWith("observed ") || l.startsWith("failed "), STEP).split(" ");
        String[] lb = t.b().nextLine(l -> l.startsWith("observed ") || l.startsWith("failed "), STEP).split(" ");
        assertThat(la[0]).as("a learns its address: %s", String.join(" ", la)).isEqualTo("observed");
        assertThat(lb[0]).as("b learns its address: %s", String.join(" ", lb)).isEqualTo("observed");
        long start = System.nanoTime();
        t.a().type("punch " + lb[1] + " " + PUNCH_MILLIS);
        if (both) {
            t.b().type("punch " + la[1] + " " + PUNCH_MILLIS);
        }
        String outA = t.a().nextLine(l -> l.startsWith("punched ") || l.startsWith("failed "), STEP);
        long millisA = (System.nanoTime() - start) / 1_000_000;
        String outB = both ? t.b().nextLine(l -> l.startsWith("punched ") || l.startsWith("failed "), STEP) : "";
        long millisB = (System.nanoTime() - start) / 1_000_000;
        return new Side[] {new Side(la[1], Integer.parseInt(la[3]), outA, millisA),
            new Side(lb[1], Integer.parseInt(lb[3]), outB, millisB)};
    }
}
