package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The seed's backend as a test server: each connection gets one read of up to 1024 bytes (the
 * request, or nothing if the client closed first), then {@code Response from NAME\n}, then close.
 * {@link #request} is the seed's client. (The CLI's {@code nexo backend} lives in nexo-tools, which
 * depends on this module, so the balancer's tests carry their own.)
 */
public final class SeedBackend implements AutoCloseable {

    private final TestBackend server;

    private SeedBackend(TestBackend server) {
        this.server = server;
    }

    /** Starts {@code name} on a free port of 127.0.0.1. */
    public static SeedBackend start(String name) throws IOException {
        return start(name, 0);
    }

    /** Starts {@code name} on {@code port} (0 = free) of 127.0.0.1. */
    public static SeedBackend start(String name, int port) throws IOException {
        byte[] response = responseOf(name).getBytes(StandardCharsets.UTF_8);
        return new SeedBackend(TestBackend.start(port, s -> {
            s.getInputStream().read(new byte[1024]);
            s.getOutputStream().write(response);
        }));
    }

    /** The exact answer of backend {@code name}. */
    public static String responseOf(String name) {
        return "Response from " + name + "\n";
    }

    /**
     * The seed's client: a new connection to {@code to}, {@code message} sent, everything read until
     * the other side closes (10 s read timeout).
     */
    public static String request(HostAndPort to, String message) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(to.host(), to.port()), 10_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            int n;
            while ((n = in.read(buf)) >= 0) {
                answer.write(buf, 0, n);
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    public HostAndPort address() {
        return server.address();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
