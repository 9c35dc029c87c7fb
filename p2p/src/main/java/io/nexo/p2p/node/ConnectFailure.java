package io.nexo.p2p.node;

import io.netty.channel.ConnectTimeoutException;

import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.CompletionException;

/**
 * Why a connection attempt failed, in words a user can act on. A refusal (something answered: no
 * one listens there), a timeout (nothing answered: a firewall or NAT dropping the packets), no route
 * and unreachable host or network are different problems; every {@code ConnectException} used to be
 * reported as "connection refused", Netty's connect timeout included.
 */
public final class ConnectFailure {

    private ConnectFailure() {
    }

    /** The reason of {@code t}, unwrapped from {@link CompletionException}s. */
    public static String describe(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof PeerException) {
            return c.getMessage();
        }
        if (c instanceof ConnectTimeoutException) {
            // Netty's own timer: "connection timed out after 3000 ms: /10.0.0.1:5000"
            String m = String.valueOf(c.getMessage());
            int after = m.indexOf("after ");
            int colon = m.indexOf(':', Math.max(after, 0));
            String took = after >= 0 ? " " + m.substring(after, colon > after ? colon : m.length()) : "";
            return "timed out" + took + " (no answer: a firewall or NAT may be dropping the packets)";
        }
        if (c instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (c instanceof UnknownHostException) {
            // the JDK says "name: Name or service not known"; NameResolver says it in words already
            String m = String.valueOf(c.getMessage());
            return m.startsWith("cannot resolve") ? m : "unknown host " + m;
        }
        if (c instanceof PortUnreachableException) {
            return "port unreachable";
        }
        String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
        // the JDK's and Netty's native transports say it in the kernel's words (strerror)
        if (m.contains("connection refused")) {
            return "connection refused (nothing listens there)";
        }
        if (m.contains("timed out")) {
            return "timed out (no answer: a firewall or NAT may be dropping the packets)";
        }
        if (m.contains("no route to host")) {
            return "no route to host";
        }
        if (m.contains("network is unreachable")) {
            return "network unreachable (no route from this machine to that network)";
        }
        if (m.contains("host is unreachable")) {
            return "host unreachable";
        }
        if (m.contains("connection reset")) {
            return "connection reset by the other side";
        }
        if (m.contains("cannot assign requested address")) {
            return "no local address to connect from (cannot assign requested address)";
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }
}
