package io.nexo.p2p.node;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The network an address belongs to for connection caps: its IPv4 /24 or its IPv6 /64 (one host
 * or one customer usually holds a whole /64, so counting single IPv6 addresses limits nothing).
 * An IPv4-mapped IPv6 address counts as its IPv4 address.
 */
record Subnet(String prefix) {

    static Subnet of(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && isV4Mapped(b)) {
            return new Subnet((b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + ".0/24");
        }
        if (a instanceof Inet4Address) {
            return new Subnet((b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + ".0/24");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            sb.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
        }
        return new Subnet(sb.append(":/64").toString());
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    @Override
    public String toString() {
        return prefix;
    }
}
