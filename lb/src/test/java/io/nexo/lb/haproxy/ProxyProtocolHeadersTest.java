package io.nexo.lb.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.nexo.lb.config.ProxyProtocol;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxyProtocolHeadersTest {

    private static byte[] encode(HAProxyMessage message) {
        EmbeddedChannel channel = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            channel.writeOutbound(message);
            ByteBuf out = channel.readOutbound();
            try {
                return ByteBufUtil.getBytes(out);
            } finally {
                out.release();
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void v1TextHeaderForIpv4() throws Exception {
        byte[] bytes = encode(ProxyProtocolHeaders.forConnection(ProxyProtocol.V1,
                at("192.0.2.7", 51000), at("127.0.0.1", 8000)));
        assertThat(new String(bytes, StandardCharsets.US_ASCII))
                .isEqualTo("PROXY TCP4 192.0.2.7 127.0.0.1 51000 8000\r\n");
    }

    @Test
    void v2BinaryHeaderForIpv4() throws Exception {
        byte[] bytes = encode(ProxyProtocolHeaders.forConnection(ProxyProtocol.V2,
                at("192.0.2.7", 51000), at("127.0.0.1", 8000)));
        assertThat(ByteBufUtil.hexDump(bytes)).isEqualTo(
                "0d0a0d0a000d0a515549540a" // signature
                        + "21" + "11" + "000c"  // v2 PROXY, TCP over IPv4, 12 address bytes
                        + "c0000207" + "7f000001" + "c738" + "1f40");
    }

    @Test
    void v1ForIpv6AndMappedIpv4() throws Exception {
        assertThat(new String(encode(ProxyProtocolHeaders.forConnection(ProxyProtocol.V1,
                at("::1", 40000), at("::1", 8000))), StandardCharsets.US_ASCII))
                .isEqualTo("PROXY TCP6 ::1 ::1 40000 8000\r\n");
        assertThat(new String(encode(ProxyProtocolHeaders.forConnection(ProxyProtocol.V1,
                at("::ffff:10.0.0.1", 40000), at("127.0.0.1", 8000))), StandardCharsets.US_ASCII))
                .isEqualTo("PROXY TCP4 10.0.0.1 127.0.0.1 40000 8000\r\n");
    }

    @Test
    void mixedFamiliesAreSentAsIpv6WithTheIpv4AddressMapped() throws Exception {
        assertThat(new String(encode(ProxyProtocolHeaders.forConnection(ProxyProtocol.V1,
                at("10.0.0.1", 40000), at("::1", 8000))), StandardCharsets.US_ASCII))
                .isEqualTo("PROXY TCP6 ::ffff:10.0.0.1 ::1 40000 8000\r\n");
    }

    @Test
    void v2BinaryHeaderForIpv6() throws Exception {
        byte[] bytes = encode(ProxyProtocolHeaders.forConnection(ProxyProtocol.V2,
                at("2001:db8::7", 51000), at("::1", 8000)));
        assertThat(ByteBufUtil.hexDump(bytes)).isEqualTo(
                "0d0a0d0a000d0a515549540a" // signature
                        + "21" + "21" + "0024"  // v2 PROXY, TCP over IPv6 (AF_INET6), 36 address bytes
                        + "20010db8000000000000000000000007" + "00000000000000000000000000000001"
                        + "c738" + "1f40");
    }

    @Test
    void aZoneOfTheBalancersHostIsNotSent() throws Exception {
        java.net.Inet6Address scoped = java.net.Inet6Address.getByAddress(null,
                InetAddress.getByName("fe80::1").getAddress(), 1);
        assertThat(new String(encode(ProxyProtocolHeaders.forConnection(ProxyProtocol.V1,
                new InetSocketAddress(scoped, 40000), at("fe80::2", 8000))), StandardCharsets.US_ASCII))
                .isEqualTo("PROXY TCP6 fe80::1 fe80::2 40000 8000\r\n");
    }

    @Test
    void noneHasNoHeader() {
        assertThatThrownBy(() -> ProxyProtocolHeaders.forConnection(ProxyProtocol.NONE,
                at("10.0.0.1", 1), at("10.0.0.2", 2))).isInstanceOf(IllegalArgumentException.class);
    }
}
