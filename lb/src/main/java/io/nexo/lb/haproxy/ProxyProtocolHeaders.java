package io.nexo.lb.haproxy;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.nexo.lb.config.ProxyProtocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * Builds the PROXY protocol header (HAProxy's spec, v1 text or v2 binary) that tells a backend who
 * the client is: source = the client's address, destination = the balancer address the client
 * connected to. Netty's {@code HAProxyMessageEncoder} turns it into bytes.
 *
 * <pre>
 * v1: "PROXY TCP4 192.0.2.7 127.0.0.1 51000 8000\r\n"
 *     "PROXY TCP6 2001:db8::7 ::1 51000 8000\r\n"
 * v2: 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A | 21 (v2, PROXY) | 11 (TCP over IPv4) | 00 0C (12 bytes)
 *     | C0 00 02 07 | 7F 00 00 01 | C7 38 | 1F 40
 *     (IPv6: 21 | 21 (TCP over IPv6) | 00 24 (36 bytes) | 16-byte source | 16-byte destination | ports)
 * </pre>
 *
 * <p>IPv6 addresses are written in their shortest form (RFC 5952, {@code ::1}) and without a zone
 * ({@code %eth0} means something only on the balancer's host).
 *
 * <p>An IPv4-mapped IPv6 address (an IPv4 client on a dual-stack socket) is sent as IPv4. When the
 * two addresses are still of different families, the IPv4 one is written IPv4-mapped
 * ({@code ::ffff:a.b.c.d}) and the header is TCP6, so the backend still learns the client.
 */
public final class ProxyProtocolHeaders {

    private ProxyProtocolHeaders() {
    }

    /**
     * The header for one connection.
     *
     * @throws IllegalArgumentException for {@link ProxyProtocol#NONE}
     */
    public static HAProxyMessage forConnection(ProxyProtocol version, InetSocketAddress client,
                                               InetSocketAddress destination) {
        HAProxyProtocolVersion v = switch (version) {
            case V1 -> HAProxyProtocolVersion.V1;
            case V2 -> HAProxyProtocolVersion.V2;
            case NONE -> throw new IllegalArgumentException("proxy-protocol: none has no header");
        };
        java.net.InetAddress src = unmapped(client);
        java.net.InetAddress dst = unmapped(destination);
        HAProxyProxiedProtocol protocol;
        if (src instanceof Inet4Address && dst instanceof Inet4Address) {
            protocol = HAProxyProxiedProtocol.TCP4;
        } else if (src instanceof Inet6Address && dst instanceof Inet6Address) {
            protocol = HAProxyProxiedProtocol.TCP6;
        } else {
            return new HAProxyMessage(v, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6, asIpv6(src), asIpv6(dst),
                    client.getPort(), destination.getPort());
        }
        return new HAProxyMessage(v, HAProxyCommand.PROXY, protocol, NetUtil.toAddressString(src),
                NetUtil.toAddressString(dst), client.getPort(), destination.getPort());
    }

    private static String asIpv6(java.net.InetAddress a) {
        return a instanceof Inet4Address ? "::ffff:" + a.getHostAddress() : NetUtil.toAddressString(a);
    }

    /** The address, with an IPv4-mapped IPv6 address (::ffff:a.b.c.d) turned back into IPv4. */
    private static java.net.InetAddress unmapped(InetSocketAddress address) {
        java.net.InetAddress a = address.getAddress();
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            if (mapped) {
                try {
                    return java.net.InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException("4 bytes are always a valid IPv4 address", e);
                }
            }
        }
        return a;
    }
}
