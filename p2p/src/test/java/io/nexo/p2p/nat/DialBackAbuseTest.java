package io.nexo.p2p.nat;

import com.google.protobuf.ByteString;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.wire.proto.DialBackRequest;
import io.nexo.p2p.wire.proto.DialBackResponse;
import io.nexo.p2p.wire.proto.Envelope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer drives a real node's dial-back by hand: the node dials only the IP the session comes from,
 * at the asked port, once per 30 s, and refuses a port out of range, saying why.
 */
class DialBackAbuseTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private final EventLoopGroup group = Transport.best().newEventLoopGroup(1, "hostile");
    private PeerNode node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static Envelope request(int port, byte[] nonce) {
        return Envelope.newBuilder().setDialBackRequest(DialBackRequest.newBuilder().setPort(port)
                .setNonce(ByteString.copyFrom(nonce))).build();
    }

    private static DialBackResponse answer(HostilePeer p, byte[] nonce) throws InterruptedException {
        return p.awaitEnvelope(e -> e.hasDialBackResponse()
                && e.getDialBackResponse().getNonce().equals(ByteString.copyFrom(nonce)), WAIT)
                .orElseThrow().getDialBackResponse();
    }

    @Test
    void theNodeDialsBackTheSessionsIpOnceAndSaysWhatItSaw() throws Exception {
        node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), "server", new HostAndPort("127.0.0.1", 0)), e -> { });
        node.start();
        HostilePeer mallory = HostilePeer.connect(group, node.listenAddress(), HostilePeer.options());
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            byte[] nonce = new byte[16];
            nonce[0] = 1;
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try (Socket s = listener.accept()) {
                    String got = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine();
                    s.getOutputStream().write("OK\n".getBytes(StandardCharsets.US_ASCII));
                    return got;
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            mallory.send(request(listener.getLocalPort(), nonce));

            assertThat(line.get(15, TimeUnit.SECONDS)).isEqualTo("NEXO-DIALBACK " + HexFormat.of().formatHex(nonce));
            DialBackResponse first = answer(mallory, nonce);
            assertThat(first.getReached()).isTrue();
            InetSocketAddress local = (InetSocketAddress) mallory.channel().localAddress();
            assertThat(first.getObservedAddr()).isEqualTo(HostAndPort.of(local).toString());

            byte[] again = new byte[16];
            again[0] = 2;
            mallory.send(request(listener.getLocalPort(), again));
            DialBackResponse second = answer(mallory, again);
            assertThat(second.getReached()).isFalse();
            assertThat(second.getReason()).isEqualTo("one dial-back per 30 s");
        }
    }

    @Test
    void aPortOutOfRangeIsRefusedInWords() throws Exception {
        node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), "server", new HostAndPort("127.0.0.1", 0)), e -> { });
        node.start();
        HostilePeer mallory = HostilePeer.connect(group, node.listenAddress(), HostilePeer.options());
        byte[] nonce = new byte[16];
        mallory.send(request(70_000, nonce));
        DialBackResponse r = answer(mallory, nonce);
        assertThat(r.getReached()).isFalse();
        assertThat(r.getReason()).isEqualTo("port 70000 (expected: 1-65535)");
        assertThat(mallory.isOpen()).isTrue();
    }
}
