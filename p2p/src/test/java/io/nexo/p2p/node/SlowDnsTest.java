package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A host name whose resolution hangs does not stall the node: its control loop never resolves names. */
class SlowDnsTest {

    private final TestNodes net = new TestNodes();
    private final CountDownLatch release = new CountDownLatch(1);
    private PeerNode victim;

    @AfterEach
    void close() {
        release.countDown();
        if (victim != null) {
            victim.close();
        }
        net.close();
    }

    @Test
    void directMessagesFlowWhileADialWaitsForAHangingName() {
        NameResolver hangs = new NameResolver(host -> {
            release.await();
            return InetAddress.getLoopbackAddress();
        }, Duration.ofSeconds(2), Clock.systemUTC());
        RecordingListener events = new RecordingListener();
        victim = new PeerNode(TestNodes.config("victim"), events, Clock.systemUTC(), new SecureRandom(), null, hangs);
        victim.start();
        PeerNode honest = net.start(TestNodes.config("honest"));
        victim.connect(DialTarget.of(honest.listenAddress())).join(); // a literal: no lookup

        CompletableFuture<PeerInfo> hung = victim.connect(DialTarget.of(new HostAndPort("slow.example", 5000)));
        for (int i = 0; i < 10; i++) {
            String in = "to victim " + i;
            String out = "from victim " + i;
            honest.sendDirect("victim", in).orTimeout(1, TimeUnit.SECONDS).join();
            victim.sendDirect("honest", out).orTimeout(1, TimeUnit.SECONDS).join();
            await().atMost(Duration.ofSeconds(1)).until(() -> events.directTexts().contains("honest: " + in)
                    && net.events(honest).directTexts().contains("victim: " + out));
        }
        assertThat(hung.isDone()).isFalse();
        assertThat(hung).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .withMessageContaining("cannot connect to slow.example:5000: cannot resolve slow.example: no answer within 2000 ms");
        assertThat(victim.peers()).extracting(PeerInfo::id).containsExactly(honest.peerId());
    }
}
