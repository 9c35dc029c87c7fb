package io.nexo.p2p.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PortListenersTest {

    @Test
    void addressesArePrintedAsTheKernelDoes() throws Exception {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "little-endian machine");
        assertThat(PortListeners.procHex(InetAddress.getByName("127.0.0.1").getAddress())).isEqualTo("0100007F");
        assertThat(PortListeners.procHex(InetAddress.getByName("::1").getAddress()))
                .isEqualTo("00000000000000000000000001000000");
    }

    @Test
    void countsTheListenersOnAnAddressAndPort() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs Linux's /proc/net/tcp");
        try (ServerSocket one = new ServerSocket()) {
            one.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress at = (InetSocketAddress) one.getLocalSocketAddress();
            assertThat(PortListeners.overlapping(at)).isEqualTo(1);
            assertThat(PortListeners.overlapping(new InetSocketAddress("0.0.0.0", at.getPort()))).isEqualTo(1);
            assertThat(PortListeners.overlapping(new InetSocketAddress("127.0.0.2", at.getPort()))).isZero();
            assertThat(PortListeners.overlapping(new InetSocketAddress("::1", at.getPort()))).isZero();
        }
    }
}
