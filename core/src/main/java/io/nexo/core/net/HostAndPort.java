package io.nexo.core.net;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A host (name, IPv4 or IPv6 literal) and a TCP/UDP port, as a user writes it:
 * {@code 127.0.0.1:8000}, {@code example.org:80}, {@code [::1]:5000}.
 *
 * <p>Parsing never resolves names; {@link #toSocketAddress()} does, when a connection needs it.
 */
public record HostAndPort(String host, int port) {

    public HostAndPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host: empty (expected: a name or an IP address)");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }

    /**
     * Parses {@code HOST:PORT} or {@code [IPV6]:PORT}.
     *
     * @throws IllegalArgumentException with a message that quotes the input and says what was expected
     */
    public static HostAndPort parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim();
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw invalid(text);
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                // no colon, nothing before it, or an unbracketed IPv6 literal
                throw invalid(text);
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
        }
        if (host.isEmpty() || portText.isEmpty() || !portText.chars().allMatch(Character::isDigit)
                || portText.length() > 5) {
            throw invalid(text);
        }
        int port = Integer.parseInt(portText);
        if (port > 65_535) {
            throw new IllegalArgumentException("invalid address '" + text + "': port " + port
                    + " is out of range (expected: 0-65535)");
        }
        return new HostAndPort(host, port);
    }

    /** Parses a comma-separated list, ignoring blanks around commas: {@code a:1, b:2}. */
    public static List<HostAndPort> parseList(String text) {
        List<HostAndPort> result = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                result.add(parse(part));
            }
        }
        return List.copyOf(result);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid address '" + text
                + "' (expected: HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000)");
    }

    /** Same host, another port. */
    public HostAndPort withPort(int newPort) {
        return new HostAndPort(host, newPort);
    }

    /** Resolves the host now; the result may be unresolved if the name does not resolve. */
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** The address of a bound or connected socket. */
    public static HostAndPort of(InetSocketAddress address) {
        String h = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        int zone = h.indexOf('%');
        if (zone >= 0) {
            h = h.substring(0, zone);
        }
        return new HostAndPort(h, address.getPort());
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
