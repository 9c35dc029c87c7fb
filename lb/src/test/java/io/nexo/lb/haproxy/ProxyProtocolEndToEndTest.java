package io.nexo.lb.haproxy;

import static io.nexo.lb.testing.Configs.config;
import static io.nexo.lb.testing.Configs.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.nexo.lb.LoadBalancer;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.testing.Configs;
import io.nexo.lb.testing.Loopback;
import io.nexo.lb.testing.TestBackend;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A backend that reads the PROXY header bytes itself (not through Netty's decoder, so the test does
 * not share the code under test), reports them, then echoes: the header must name the real client
 * and the balancer address it reached, and the client's bytes must follow untouched.
 */
class ProxyProtocolEndToEndTest {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private static byte[] runThrough(ProxyProtocol version, String host, CompletableFuture<byte[]> header,
                                     int[] clientPort, int[] lbPort) throws Exception {
        Loopback.assumeAvailable(host);
        try (TestBackend backend = TestBackend.start(host, s -> {
            InputStream in = s.getInputStream();
            header.complete(version == ProxyProtocol.V1 ? readV1(in) : readV2(new DataInputStream(in)));
            in.transferTo(s.getOutputStream());
        })) {
            ListenerConfig web = new ListenerConfig("web", new HostAndPort(host, 0), "p",
                    ListenerConfig.DEFAULT_MAX_CONNECTIONS);
            LoadBalancer lb = new LoadBalancer(config(List.of(web), pool("p", "round-robin",
                    List.of(new BackendConfig("b", backend.address(), 1, false, 0)), Configs.NO_CHECKS, version)), 1);
            try {
                InetSocketAddress address = (InetSocketAddress) lb.start();
                lbPort[0] = address.getPort();
                try (Socket client = new Socket(host, address.getPort())) {
                    client.setSoTimeout(5_000);
                    clientPort[0] = client.getLocalPort();
                    OutputStream out = client.getOutputStream();
                    out.write("payload after the header".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    byte[] echoed = client.getInputStream().readNBytes(24);
                    return echoed;
                }
            } finally {
                lb.stop(java.time.Duration.ZERO);
            }
        }
    }

    private static byte[] readV1(InputStream in) throws Exception {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        int prev = -1;
        int b;
        while ((b = in.read()) != -1) {
            line.write(b);
            if (prev == '\r' && b == '\n') {
                break;
            }
            prev = b;
            if (line.size() > 107) { // the spec's maximum v1 line
                break;
            }
        }
        return line.toByteArray();
    }

    private static byte[] readV2(DataInputStream in) throws Exception {
        byte[] fixed = new byte[16];
        in.readFully(fixed);
        int length = ((fixed[14] & 0xff) << 8) | (fixed[15] & 0xff);
        byte[] all = new byte[16 + length];
        System.arraycopy(fixed, 0, all, 0, 16);
        in.readFully(all, 16, length);
        return all;
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("io.nexo.lb.testing.Loopback#hosts")
    void v1HeaderNamesTheClientAndTheBalancerAddress(String host) throws Exception {
        CompletableFuture<byte[]> header = new CompletableFuture<>();
        int[] clientPort = new int[1];
        int[] lbPort = new int[1];
        byte[] echoed = runThrough(ProxyProtocol.V1, host, header, clientPort, lbPort);

        String family = host.equals(Loopback.IPV6) ? "TCP6" : "TCP4";
        assertThat(new String(header.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII)).isEqualTo(
                "PROXY " + family + " " + host + " " + host + " " + clientPort[0] + " " + lbPort[0] + "\r\n");
        assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("payload after the header");
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("io.nexo.lb.testing.Loopback#hosts")
    void v2BinaryHeaderBytes(String host) throws Exception {
        CompletableFuture<byte[]> header = new CompletableFuture<>();
        int[] clientPort = new int[1];
        int[] lbPort = new int[1];
        byte[] echoed = runThrough(ProxyProtocol.V2, host, header, clientPort, lbPort);

        String addresses = host.equals(Loopback.IPV6)
                ? "21" + "0024"                     // TCP over IPv6 (AF_INET6), 36 bytes follow
                        + "00000000000000000000000000000001".repeat(2) // source, destination ::1
                : "11" + "000c"                     // TCP over IPv4, 12 bytes follow
                        + "7f000001" + "7f000001";  // source, destination address
        String expected = ByteBufUtil.hexDump(V2_SIGNATURE)
                + "21"                              // version 2 + PROXY
                + addresses
                + String.format("%04x%04x", clientPort[0], lbPort[0]);
        assertThat(ByteBufUtil.hexDump(header.get(5, TimeUnit.SECONDS))).isEqualTo(expected);
        assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("payload after the header");
    }
}
