package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.VerifiedSignatures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** A host name whose resolution hangs does not stall the node: its control loop never resolves names. */
class SlowDnsTest {

    private final TestNodes net = new TestNodes();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        net.close();
    }

    @Test
    void directMessagesFlowWhileADialWaitsForAHangingName() {
        NameResolver hangs = new NameResolver(host -> {
            release.await();
            return InetAddress.getLoopbackAddress();
        }, Duration.ofSeconds(5), Clock.systemUTC());
        RecordingListener events = new RecordingListener();
        PeerNode victim = net.start(new PeerNode(TestNodes.config("victim"), events, Clock.systemUTC(),
                new SecureRandom(), null, VerifiedSignatures.none(), hangs), events);
        PeerNode honest = net.start(TestNodes.config("honest"));
        TestNodes.connect(victim, honest); // a literal: no lookup
        Duration bound = net.directBound(honest, victim);

        CompletableFuture<PeerInfo> hung = victim.connect(DialTarget.of(new HostAndPort("slow.example", 5000)));
        for (int i = 0; i < 5; i++) {
            net.directMillis(honest, victim, "to victim " + i, bound);
            net.directMillis(victim, honest, "from victim " + i, bound);
        }
        assertThat(hung.isDone()).as("the messages went through while the name still hung").isFalse();
        assertThat(hung).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withMessageContaining("cannot connect to slow.example:5000: cannot resolve slow.example: no answer within 5000 ms");
        assertThat(victim.peers()).extracting(PeerInfo::id).containsExactly(honest.peerId());
        assertThat(events.directTexts()).contains("honest: to victim 4");
    }
}
