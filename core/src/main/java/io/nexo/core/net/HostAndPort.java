package io.nexo.core.net;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A host (name, IPv4 or IPv6 literal) and a TCP/UDP port, as a user writes it:
 * {@code 127.0.0.1:8000}, {@code example.org:80}, {@code [::1]:5000}.
 *
 * <p>Parsing never resolves names; {@link #toSocketAddress()} does, when a connection needs it.
 * An IPv6 host is kept without brackets and in its shortest form (RFC 5952: {@code ::1}, not
 * {@code 0:0:0:0:0:0:0:1}), so two spellings of one address are equal and print alike.
 */
public record HostAndPort(String host, int port) {

    public HostAndPort {
        Objects.requireNonNull(host, "host");
        host = canonicalHost(host);
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
            if (!isIpv6Literal(host)) {
                // brackets are for IPv6 literals only ("[foo]:80" is a typo, not a name)
                throw invalid(text);
            }
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

    /**
     * Parses a host alone, where no port is taken ({@code --host}): a name, an IPv4 address, or an
     * IPv6 address with or without brackets ({@code ::1}, {@code [::1]}).
     *
     * @return the host as {@link #host()} keeps it: IPv6 without brackets, in its shortest form
     * @throws IllegalArgumentException with a message that quotes the input and says what was expected
     */
    public static String parseHost(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim();
        String bare = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        boolean valid = bare.indexOf(':') >= 0 ? isIpv6Literal(bare)
                // brackets only around IPv6; no blanks or slashes inside a name ("10.0.0.0/8" is a typo)
                : bare.equals(s) && !bare.isEmpty() && bare.chars().noneMatch(c -> c <= ' ' || c == '/');
        if (!valid) {
            throw new IllegalArgumentException("invalid host '" + text
                    + "' (expected: a name or an IP address, e.g. 127.0.0.1, localhost or ::1)");
        }
        return canonicalHost(bare);
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

    /** The address of a bound or connected socket (an IPv6 zone such as {@code %lo} is dropped). */
    public static HostAndPort of(InetSocketAddress address) {
        String h = address.getAddress() != null ? NetUtil.toAddressString(address.getAddress())
                : address.getHostString();
        int zone = h.indexOf('%');
        if (zone >= 0) {
            h = h.substring(0, zone);
        }
        return new HostAndPort(h, address.getPort());
    }

    /** Whether {@link #host()} is an IPv6 literal (which {@link #toString()} puts in brackets). */
    public boolean isIpv6() {
        return host.indexOf(':') >= 0;
    }

    private static boolean isIpv4Mapped(byte[] ipv6) {
        for (int i = 0; i < 10; i++) {
            if (ipv6[i] != 0) {
                return false;
            }
        }
        return ipv6[10] == (byte) 0xff && ipv6[11] == (byte) 0xff;
    }

    private static boolean isIpv6Literal(String host) {
        return NetUtil.isValidIpV6Address(host);
    }

    /**
     * The host without IPv6 brackets and, for an IPv6 literal, in RFC 5952 form; anything else
     * (names, IPv4) unchanged. A zone ({@code fe80::1%eth0}) is kept as written.
     */
    private static String canonicalHost(String host) {
        String h = host.length() > 2 && host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1) : host;
        if (h.indexOf(':') < 0 || !isIpv6Literal(h)) {
            return h;
        }
        int zone = h.indexOf('%');
        String address = zone >= 0 ? h.substring(0, zone) : h;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null || bytes.length != 16) {
            return h; // not expected for a valid literal; keep the user's spelling
        }
        String shortest = isIpv4Mapped(bytes)
                // RFC 5952 section 5: an IPv4-mapped address keeps its IPv4 part dotted
                ? "::ffff:" + (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "."
                        + (bytes[15] & 0xff)
                : NetUtil.bytesToIpAddress(bytes);
        return zone >= 0 ? shortest + h.substring(zone) : shortest;
    }

    @Override
    public String toString() {
        return isIpv6() ? "[" + host + "]:" + port : host + ":" + port;
    }
}
