package io.nexo.p2p.node;

import io.netty.channel.ConnectTimeoutException;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.NodeIdentity;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectFailureTest {

    @Test
    void aConnectTimeoutIsNotCalledARefusal() {
        String s = ConnectFailure.describe(new ConnectTimeoutException("connection timed out after 3000 ms: /10.1.2.3:5000"));
        assertThat(s).isEqualTo("timed out after 3000 ms (no answer: a firewall or NAT may be dropping the packets)");
    }

    @Test
    void eachKernelReasonKeepsItsMeaning() {
        // the messages of Netty's native transport (strerror) and of the JDK
        assertThat(ConnectFailure.describe(new ConnectException("connect(..) failed: Connection refused: /127.0.0.1:9")))
                .isEqualTo("connection refused (nothing listens there)");
        assertThat(ConnectFailure.describe(new ConnectException("connect(..) failed: No route to host")))
                .isEqualTo("no route to host");
        assertThat(ConnectFailure.describe(new NoRouteToHostException("No route to host (Host unreachable)")))
                .isEqualTo("no route to host");
        assertThat(ConnectFailure.describe(new ConnectException("connect(..) failed: Network is unreachable")))
                .startsWith("network unreachable");
        assertThat(ConnectFailure.describe(new ConnectException("connect(..) failed: Host is unreachable")))
                .isEqualTo("host unreachable");
        assertThat(ConnectFailure.describe(new ConnectException("connect(..) failed: Connection timed out")))
                .startsWith("timed out (no answer");
        assertThat(ConnectFailure.describe(new CompletionException(new PeerException("node is stopping"))))
                .isEqualTo("node is stopping");
    }

    @Test
    void aRealRefusalSaysRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there while we dial
        }
        try (PeerNode node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), "dialer",
                HostAndPort.parse("127.0.0.1:0")), e -> { })) {
            node.start();
            HostAndPort to = HostAndPort.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThatThrownBy(() -> node.connect(DialTarget.of(to)).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("cannot connect to " + to + ": connection refused (nothing listens there)");
        }
    }
}
