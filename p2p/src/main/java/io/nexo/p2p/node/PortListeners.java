package io.nexo.p2p.node;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Counts the listening TCP sockets that hold a port, from Linux's {@code /proc/net/tcp} and
 * {@code tcp6} (this process's network namespace).
 *
 * <p>Why: the node's listener sets SO_REUSEPORT so that hole-punch dials can leave from the listening
 * port. The kernel then lets a second process of the same user bind the same address, and the two
 * would share incoming connections at random. After binding, a node counts the listeners on its
 * address: more than its own means another one is there, and the port is "in use" as it was before.
 */
final class PortListeners {

    private static final String LISTEN = "0A";
    /** {@code ::ffff:0:0/96} as {@code /proc/net/tcp6} prints it on a little-endian machine. */
    private static final String MAPPED_PREFIX = procHex(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1});

    private PortListeners() {
    }

    /**
     * Listening sockets on {@code address}'s port whose address overlaps it (the same address, or a
     * wildcard on either side); -1 when {@code /proc} cannot tell (not Linux). An IPv4 address may be
     * held by an IPv6 socket (as {@code ::ffff:a.b.c.d}, which is how the JDK and Netty bind IPv4),
     * so both tables are read.
     */
    static int overlapping(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        int port = address.getPort();
        try {
            if (ip instanceof Inet4Address) {
                String ours = procHex(ip.getAddress());
                String mapped = MAPPED_PREFIX + ours;
                boolean any = ip.isAnyLocalAddress();
                return count(Path.of("/proc/net/tcp"), a -> any || a.equals(ours) || isZero(a), port)
                        + count(Path.of("/proc/net/tcp6"), a -> isZero(a) || a.equals(mapped)
                                || (any && a.startsWith(MAPPED_PREFIX)), port);
            }
            if (ip.isAnyLocalAddress()) { // [::] also takes IPv4
                return count(Path.of("/proc/net/tcp6"), a -> true, port) + count(Path.of("/proc/net/tcp"), a -> true, port);
            }
            String ours = procHex(ip.getAddress());
            return count(Path.of("/proc/net/tcp6"), a -> a.equals(ours) || isZero(a), port);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** LISTEN lines on {@code port} whose address (as printed) passes {@code matches}. */
    private static int count(Path table, Predicate<String> matches, int port) throws IOException {
        if (!Files.isReadable(table)) {
            throw new IOException(table + " is not readable");
        }
        String portHex = String.format(Locale.ROOT, "%04X", port);
        List<String> lines = Files.readAllLines(table);
        int n = 0;
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[3].equals(LISTEN)) {
                continue;
            }
            int colon = f[1].indexOf(':');
            if (f[1].substring(colon + 1).equals(portHex) && matches.test(f[1].substring(0, colon))) {
                n++;
            }
        }
        return n;
    }

    /** The address as the kernel prints it: each 32-bit word in the machine's byte order, in hex. */
    static String procHex(byte[] address) {
        byte[] out = address.clone();
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            for (int w = 0; w < out.length; w += 4) {
                for (int i = 0; i < 2; i++) {
                    byte t = out[w + i];
                    out[w + i] = out[w + 3 - i];
                    out[w + 3 - i] = t;
                }
            }
        }
        return HexFormat.of().withUpperCase().formatHex(out);
    }

    private static boolean isZero(String hex) {
        return hex.chars().allMatch(c -> c == '0');
    }
}
