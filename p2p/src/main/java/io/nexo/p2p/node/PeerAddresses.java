package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.session.PeerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Addresses as the node sees them: its own (what it advertises, what is "itself") and where a
 * connected peer can be dialled.
 */
final class PeerAddresses {

    private static final Logger log = LoggerFactory.getLogger(PeerAddresses.class);

    private final HostAndPort listen;
    /** The configured ({@code --advertise}) or derived addresses: the candidates to advertise. */
    private final List<HostAndPort> candidates;
    /** What the node advertises now ({@link OwnAddresses} decides): candidates until it knows better. */
    private volatile List<HostAndPort> advertised;

    /**
     * @param configured the configured listen address ({@code 0.0.0.0:0}...)
     * @param bound      the address the listener actually bound
     * @param advertise  the configured advertised addresses; empty = derived from the listen address
     */
    PeerAddresses(HostAndPort configured, HostAndPort bound, List<HostAndPort> advertise) {
        // a wildcard bind reads back as [::] on a dual-stack socket: say what the user asked for
        this.listen = AddressBook.isWildcard(configured.host()) ? configured.withPort(bound.port()) : bound;
        this.candidates = advertise.isEmpty() ? derive(configured.host(), listen) : List.copyOf(advertise);
        this.advertised = candidates;
    }

    HostAndPort listen() {
        return listen;
    }

    /** The direct addresses the node advertises now (its Welcome, its file offers). */
    List<HostAndPort> advertised() {
        return advertised;
    }

    void advertise(List<HostAndPort> addrs) {
        advertised = List.copyOf(addrs);
    }

    /** The operator's {@code --advertise} addresses, or those derived from the listen address. */
    List<HostAndPort> candidates() {
        return candidates;
    }

    /** True when dialling {@code a} would reach this node. */
    boolean isSelf(HostAndPort a) {
        return a.port() == listen.port()
                && (a.host().equals(listen.host()) || candidates.contains(a) || advertised.contains(a)
                || (AddressBook.isWildcard(listen.host()) && isLoopback(a.host())));
    }

    /**
     * Addresses where {@code s}'s node can be dialled: its listen addresses, with a loopback host
     * replaced by the address it connected from when that is not loopback (another host), and only
     * those it may point this node at ({@link AddressScope}); at most 16. Linear.
     */
    static List<HostAndPort> dialable(PeerSession s) {
        Set<HostAndPort> out = new LinkedHashSet<>();
        boolean remoteLoopback = isLoopback(s.remote().host());
        for (HostAndPort a : s.listenAddrs()) {
            if (out.size() >= AddressExchange.MAX_ADDRS) {
                break;
            }
            HostAndPort d = isLoopback(a.host()) && !remoteLoopback ? new HostAndPort(s.remote().host(), a.port()) : a;
            if (AddressScope.mayPointAt(s.remote(), d)) {
                out.add(d);
            }
        }
        return List.copyOf(out);
    }

    /**
     * True when a host name that a peer suggested may be dialled at {@code a}, what it resolved to:
     * never a wildcard or multicast address, and loopback only when this node itself listens on
     * loopback (several nodes on one machine). So a remote cannot steer the node at services of its
     * own host by a name.
     */
    boolean mayDialName(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        return !a.isLoopbackAddress() || isLoopback(listen.host());
    }

    static boolean isLoopback(String host) {
        return host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1")
                || host.equalsIgnoreCase("localhost");
    }

    private static List<HostAndPort> derive(String host, HostAndPort listen) {
        int port = listen.port();
        if (!AddressBook.isWildcard(host)) {
            return List.of(new HostAndPort(listen.host(), port));
        }
        List<HostAndPort> out = new ArrayList<>();
        List<HostAndPort> loopback = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a.isLinkLocalAddress() || (host.equals("0.0.0.0") && !(a instanceof Inet4Address))) {
                        continue;
                    }
                    (a.isLoopbackAddress() ? loopback : out).add(HostAndPort.of(new InetSocketAddress(a, port)));
                }
            }
        } catch (SocketException e) {
            log.warn("cannot list network interfaces ({}); advertising loopback only", e.toString());
        }
        out.addAll(loopback);
        return out.isEmpty() ? List.of(new HostAndPort("127.0.0.1", port)) : List.copyOf(out);
    }
}
