package io.nexo.lb.config;

import io.nexo.core.net.HostAndPort;
import java.util.Objects;

/**
 * One name whose DNS records are a pool's backends: {@code NAME:PORT} (the A and AAAA records of NAME,
 * each on PORT) or {@code _service._proto.NAME} (the SRV records of that name: target, port, weight,
 * priority).
 *
 * @param name the name queried, without a trailing dot
 * @param port the backends' port for A/AAAA; 0 for SRV (each record carries its port)
 */
public record DnsTarget(String name, int port) {

    public DnsTarget {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > 253 || name.contains(" ")) {
            throw new IllegalArgumentException("backend-dns: '" + name
                    + "' (expected: NAME:PORT or _service._proto.NAME)");
        }
        boolean srv = name.startsWith("_");
        if (srv != (port == 0)) {
            throw new IllegalArgumentException("backend-dns: '" + name + (port == 0 ? "" : ":" + port) + "' "
                    + (srv ? "is an SRV name, whose records give the port (expected: no :PORT)"
                           : "has no port (expected: NAME:PORT, or _service._proto.NAME for SRV)"));
        }
    }

    /** {@code backends.example:8080} or {@code _http._tcp.example}. */
    public static DnsTarget parse(String text) {
        Objects.requireNonNull(text, "backend-dns");
        if (!text.contains(":")) { // SRV, or a name missing its port (the constructor says which)
            return new DnsTarget(stripDot(text), 0);
        }
        HostAndPort hp;
        try {
            hp = HostAndPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend-dns: '" + text
                    + "' (expected: NAME:PORT or _service._proto.NAME)", e);
        }
        if (hp.port() < 1) {
            throw new IllegalArgumentException("backend-dns: '" + text + "': port " + hp.port() + " (expected: 1-65535)");
        }
        return new DnsTarget(stripDot(hp.host()), hp.port());
    }

    /** Whether the SRV records of {@link #name} are asked for. */
    public boolean srv() {
        return port == 0;
    }

    private static String stripDot(String n) {
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    @Override
    public String toString() {
        return srv() ? name : name + ":" + port;
    }
}
