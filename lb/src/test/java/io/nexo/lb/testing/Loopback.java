package io.nexo.lb.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

/** The loopback addresses tests run on: IPv4 always, IPv6 where the machine has {@code ::1}. */
public final class Loopback {

    public static final String IPV4 = "127.0.0.1";
    public static final String IPV6 = "::1";

    private static final boolean IPV6_AVAILABLE = canBind(IPV6);

    private Loopback() {
    }

    /** Both loopback hosts, for {@code @MethodSource}; pair with {@link #assumeAvailable}. */
    public static List<String> hosts() {
        return List.of(IPV4, IPV6);
    }

    /** Skips the test, with the reason, on a machine without this loopback address. */
    public static void assumeAvailable(String host) {
        if (host.equals(IPV6)) {
            Assumptions.assumeTrue(IPV6_AVAILABLE, "this machine has no IPv6 loopback (::1)");
        }
    }

    private static boolean canBind(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
