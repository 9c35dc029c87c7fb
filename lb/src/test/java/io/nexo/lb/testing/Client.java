package io.nexo.lb.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A blocking client of a {@link NamedBackend} through the balancer: who answered, and echo. */
public final class Client implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** The name the backend greeted with, or {@code null} if the balancer closed the connection. */
    public final String backend;

    private Client(Socket socket, boolean greeted) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.backend = greeted ? readLine() : null;
    }

    /** Connects to a backend that says nothing first (e.g. an echo server); {@link #backend} is null. */
    public static Client connectSilent(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, 5_000);
            s.setSoTimeout(5_000);
            return new Client(s, false);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Connects to {@code address} and reads the greeting (5 s timeout for every read). */
    public static Client connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, 5_000);
            s.setSoTimeout(5_000);
            return new Client(s, true);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Connects, reads the greeting and closes: which backend took the connection. */
    public static String whoAnswers(InetSocketAddress address) throws IOException {
        try (Client c = connect(address)) {
            return c.backend;
        }
    }

    /** Sends {@code text} and returns what came back (the same bytes, from an echo backend). */
    public String echo(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        out.flush();
        return new String(in.readNBytes(bytes.length), StandardCharsets.UTF_8);
    }

    public Socket socket() {
        return socket;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return b == -1 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
