package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A test backend that greets each connection with {@code NAME\n} and then echoes every byte until
 * the client closes, so a client learns which backend it reached and can keep talking through a
 * long connection.
 */
public final class NamedBackend implements AutoCloseable {

    private final String name;
    private TestBackend server;

    private NamedBackend(String name, TestBackend server) {
        this.name = name;
        this.server = server;
    }

    public static NamedBackend start(String name) throws IOException {
        return start(name, 0);
    }

    public static NamedBackend start(String name, int port) throws IOException {
        return new NamedBackend(name, TestBackend.start(port, s -> greetAndEcho(name, s)));
    }

    /** Starts on {@code port} (0 = free) of {@code host}. */
    public static NamedBackend start(String name, String host, int port) throws IOException {
        return new NamedBackend(name, TestBackend.start(java.net.InetAddress.getByName(host), port,
                s -> greetAndEcho(name, s)));
    }

    private static void greetAndEcho(String name, Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        s.getInputStream().transferTo(out);
    }

    /** Starts again on the same port after {@link #stop()}. */
    public void restart() throws IOException {
        int port = server.port();
        server = TestBackend.start(port, s -> greetAndEcho(name, s));
    }

    /** Closes the listening socket and every connection (the backend "crashes"). */
    public void stop() throws IOException {
        server.close();
    }

    public String name() {
        return name;
    }

    public HostAndPort address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
