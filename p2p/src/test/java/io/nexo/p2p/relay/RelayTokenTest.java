package io.nexo.p2p.relay;

import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.RelayReservation;
import io.nexo.p2p.wire.proto.RelayReserve;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reserved side driven by hand (a {@link HostilePeer} holding a reservation): a token is used
 * once, and a reserved node that never answers costs the dialler the token's lifetime only.
 */
class RelayTokenTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private final EventLoopGroup group = Transport.best().newEventLoopGroup(1, "hostile");
    private final List<PeerNode> nodes = new ArrayList<>();

    @AfterEach
    void close() {
        nodes.forEach(PeerNode::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private PeerNode start(String name, RelayConfig relay) {
        PeerNode n = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0))
                .withRelay(relay), e -> { });
        nodes.add(n);
        n.start();
        return n;
    }

    private static HostilePeer reserved(PeerNode relay, EventLoopGroup group) throws InterruptedException {
        HostilePeer m = HostilePeer.connect(group, relay.listenAddress(), HostilePeer.options());
        m.send(Envelope.newBuilder().setRelayReserve(RelayReserve.getDefaultInstance()).build());
        RelayReservation r = m.awaitEnvelope(Envelope::hasRelayReservation, WAIT).orElseThrow().getRelayReservation();
        assertThat(r.getGranted()).isTrue();
        return m;
    }

    private static String acceptLine(PeerNode relay, String preamble) throws Exception {
        Socket s = new Socket(relay.listenAddress().host(), relay.listenAddress().port());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(preamble.getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.append((char) b);
        }
        return line.toString();
    }

    @Test
    void aTokenOpensOneCircuitOnly() throws Exception {
        PeerNode relay = start("relay", RelayConfig.defaults());
        PeerNode bob = start("bob", RelayConfig.defaults().withServe(false));
        HostilePeer mallory = reserved(relay, group);
        CompletableFuture<?> dial = bob.connect(DialTarget.viaRelay(mallory.peerId(), relay.listenAddress()));
        byte[] token = mallory.awaitEnvelope(Envelope::hasRelayIncoming, WAIT).orElseThrow()
                .getRelayIncoming().getToken().toByteArray();

        assertThat(acceptLine(relay, Preamble.accept(token))).isEqualTo("OK"); // spliced to bob
        assertThat(acceptLine(relay, Preamble.accept(token))).isEqualTo("ERR unknown, used or expired token");
        assertThat(relay.relay().orElseThrow().stats().circuitsSpliced()).isEqualTo(1);
        assertThat(relay.relay().orElseThrow().stats().refused(RelayStats.Refusal.BAD_TOKEN)).isEqualTo(1);
        dial.cancel(true);
    }

    @Test
    void aReservedNodeThatNeverAnswersCostsTheDiallerTheTokenLifetime() throws Exception {
        RelayLimits quick = new RelayLimits(RelayLimits.DEFAULT_RESERVATION_TTL, 8, 8, 8, 8,
                RelayLimits.DEFAULT_MAX_CIRCUIT_BYTES, RelayLimits.DEFAULT_MAX_CIRCUIT_DURATION, Duration.ofMillis(300));
        PeerNode relay = start("relay", RelayConfig.defaults().withLimits(quick));
        PeerNode bob = start("bob", RelayConfig.defaults().withServe(false));
        HostilePeer mallory = reserved(relay, group);

        assertThatThrownBy(() -> bob.connect(DialTarget.viaRelay(mallory.peerId(), relay.listenAddress()))
                .get(15, TimeUnit.SECONDS)).hasMessageContaining("refused: the peer did not answer within 300 ms");
        assertThat(mallory.awaitEnvelope(Envelope::hasRelayIncoming, WAIT)).isPresent(); // it was told, and kept quiet
        RelayStats.Snapshot s = relay.relay().orElseThrow().stats();
        assertThat(s.refused(RelayStats.Refusal.TARGET_SILENT)).isEqualTo(1);
        assertThat(s.circuitsOpen()).isZero();
        assertThat(s.circuitsSpliced()).isZero();
    }
}
