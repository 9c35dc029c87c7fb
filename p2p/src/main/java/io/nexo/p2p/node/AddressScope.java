package io.nexo.p2p.node;

import io.netty.util.NetUtil;
import io.nexo.core.net.HostAndPort;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * How far an IP address reaches, narrowest first: loopback (this machine), link-local, private
 * (RFC 1918, CGNAT 100.64/10, IPv6 unique-local fc00::/7) and public. The rule for addresses a peer
 * hands out (its own listen addresses, peer exchange): <em>a remote may only point this node at
 * addresses of the scope it was reached on or wider</em>. A peer met over the internet cannot send
 * the node to 127.0.0.1 or into its LAN; peers on one machine (tests) or one LAN still can. Wildcard
 * and multicast addresses are never accepted; host names are checked when resolved ({@link Dialler}).
 */
enum AddressScope {
    LOOPBACK, LINK_LOCAL, PRIVATE, PUBLIC;

    /** True for an IPv4 or IPv6 literal (no name resolution involved). */
    static boolean isLiteral(String host) {
        return NetUtil.createByteArrayFromIpAddressString(host) != null;
    }

    /** The scope of an IP literal, or null for a name or an address never to dial (wildcard, multicast). */
    static AddressScope of(String host) {
        byte[] b = NetUtil.createByteArrayFromIpAddressString(host);
        if (b == null) {
            return null;
        }
        InetAddress a;
        try {
            a = InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return null;
        }
        if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return null;
        }
        if (a.isLoopbackAddress()) {
            return LOOPBACK;
        }
        if (a.isLinkLocalAddress()) {
            return LINK_LOCAL;
        }
        boolean cgnat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
        boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc;
        if (a.isSiteLocalAddress() || cgnat || uniqueLocal) {
            return PRIVATE;
        }
        return PUBLIC;
    }

    /**
     * True when a peer reached at {@code reachedOn} may point this node at {@code addr}: a literal of
     * the same scope or wider, or a host name (checked when resolved). A peer reached at a name (a
     * {@code --join} host name) counts as public.
     */
    static boolean mayPointAt(HostAndPort reachedOn, HostAndPort addr) {
        if (!isLiteral(addr.host())) {
            return true;
        }
        AddressScope target = of(addr.host());
        if (target == null) {
            return false;
        }
        AddressScope from = isLiteral(reachedOn.host()) ? of(reachedOn.host()) : PUBLIC;
        return from == null || target.compareTo(from) >= 0;
    }
}
