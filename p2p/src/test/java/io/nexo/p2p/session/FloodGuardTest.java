package io.nexo.p2p.session;

import com.google.protobuf.ByteString;
import io.netty.channel.embedded.EmbeddedChannel;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Floods on a manual clock (what was the wall-clock soak FloodTest): a peer far over its rate is
 * throttled, then disconnected after exactly the tolerance; a relay of others' messages is only
 * throttled; a peer that makes up origins past the relay ceiling, or floods bytes, is disconnected
 * all the same. No sleeps and no wall clock: the test advances the clock itself.
 */
class FloodGuardTest {

    private static final int RATE = 50;
    private static final PeerId PEER = NodeIdentity.generate().peerId();
    private static final PeerId OTHER = NodeIdentity.generate().peerId();

    private final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final AtomicReference<String> closeReason = new AtomicReference<>();
    private final SessionMetrics metrics = new SessionMetrics();
    private int sequence;

    private EmbeddedChannel channel(SessionLimits limits) {
        return new EmbeddedChannel(new FloodGuard(PEER, "test peer", limits, metrics, now::get, closeReason::set));
    }

    private Envelope gossip(PeerId origin, int payloadBytes) {
        return Envelope.newBuilder().setGossip(Gossip.newBuilder()
                .setId(ByteString.copyFromUtf8(String.format("%016d", sequence++)))
                .setOriginId(origin.value()).setTopic("chat").setPayload(ByteString.copyFrom(new byte[payloadBytes]))).build();
    }

    /**
     * Sends {@code count} messages every {@code everyMillis} ms for up to {@code millis} of the
     * manual clock or until the guard closes; returns the bytes that passed (and counts them).
     */
    private long[] flood(EmbeddedChannel ch, PeerId origin, int count, int everyMillis, int payloadBytes, long millis) {
        long passed = 0;
        long passedBytes = 0;
        for (long ms = 0; ms < millis && ch.isOpen(); ms += everyMillis) {
            for (int i = 0; i < count && ch.isOpen(); i++) {
                ch.writeInbound(gossip(origin, payloadBytes));
            }
            Envelope out;
            while ((out = ch.readInbound()) != null) {
                passed++;
                passedBytes += out.getSerializedSize();
            }
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(everyMillis));
        }
        return new long[] {passed, passedBytes};
    }

    @Test
    void aFlooderIsThrottledThenDisconnectedAfterExactlyTheTolerance() {
        EmbeddedChannel ch = channel(SessionLimits.defaults().withRate(RATE, RATE));
        long start = now.get();
        long passed = flood(ch, PEER, 30, 1, 10, 20_000)[0]; // 30 000 messages/s
        double seconds = (now.get() - start) / 1e9;

        assertThat(ch.isOpen()).isFalse();
        assertThat(seconds).as("closed after the 5 s tolerance, not before").isBetween(5.0, 5.01);
        assertThat(passed).as("burst + rate x time").isBetween((long) RATE * 5, RATE + (long) Math.ceil(seconds * RATE) + 1);
        assertThat(closeReason.get()).startsWith("flooding: over " + RATE + " messages/s");
        assertThat(metrics.floodDisconnects()).isEqualTo(1);
        assertThat(metrics.rateDropped()).isGreaterThan(100_000);
    }

    @Test
    void aRelayOfOthersMessagesUnderTheCeilingIsThrottledNeverDisconnected() {
        EmbeddedChannel ch = channel(SessionLimits.defaults().withRate(RATE, RATE));
        // one message every 7 ms (143/s, under the relay ceiling of 4 x 50), for 20 s
        long passed = flood(ch, OTHER, 1, 7, 10, 20_000)[0];
        assertThat(ch.isOpen()).isTrue();
        assertThat(metrics.floodDisconnects()).isZero();
        assertThat(metrics.rateDropped()).isPositive();
        assertThat(passed).as("burst + rate x 20 s").isBetween(RATE * 20L, RATE * 21L + 1);
    }

    @Test
    void aPeerMakingUpOriginsPastTheCeilingIsDisconnected() {
        EmbeddedChannel ch = channel(SessionLimits.defaults().withRate(RATE, RATE));
        long start = now.get();
        flood(ch, OTHER, 30, 1, 10, 20_000); // claims another origin, at 600 times the rate
        assertThat(ch.isOpen()).as("charged to the session, whatever origin it claims").isFalse();
        assertThat((now.get() - start) / 1e9).isBetween(5.0, 5.2);
        assertThat(metrics.floodDisconnects()).isEqualTo(1);
    }

    @Test
    void aByteFloodUnderTheMessageRateIsThrottledThenDisconnected() {
        // 100 KiB messages, one every 2 ms (500/s, under the message rate): 50 MiB/s against 1 MiB/s
        SessionLimits limits = SessionLimits.defaults().withRate(1000, 1000).withByteRate(1 << 20);
        EmbeddedChannel ch = channel(limits);
        long start = now.get();
        long passedBytes = flood(ch, PEER, 1, 2, 100 * 1024, 20_000)[1];
        double seconds = (now.get() - start) / 1e9;
        assertThat(ch.isOpen()).isFalse();
        assertThat(seconds).isBetween(5.0, 5.1);
        assertThat(passedBytes).as("burst (two frames) + 1 MiB/s")
                .isLessThanOrEqualTo(limits.byteBurst() + (long) (seconds * (1 << 20)));
        assertThat(closeReason.get()).contains((1 << 20) + " bytes/s");
    }

    @Test
    void anHonestPeerUnderItsRatesPassesEverything() {
        EmbeddedChannel ch = channel(SessionLimits.defaults().withRate(RATE, RATE));
        long passed = flood(ch, PEER, 1, 25, 1000, 60_000)[0]; // 40 messages/s for a minute
        assertThat(passed).isEqualTo(2400);
        assertThat(metrics.rateDropped()).isZero();
        assertThat(ch.isOpen()).isTrue();
    }
}
