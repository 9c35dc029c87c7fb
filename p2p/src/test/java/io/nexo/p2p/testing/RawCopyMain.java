package io.nexo.p2p.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A raw TCP copy of a file across a {@link NatLab}, the ceiling nexo's transfers are compared with
 * in NatLabFigures: no TLS, no framing, no hashing, user-space copies through 64 KiB buffers (as a
 * simple program or a socat would do). Run as a process on a lab host, driven on stdin:
 * <ul>
 *   <li>{@code splice}: on the relay's host, listens on an ephemeral port ({@code listening PORT})
 *       and joins connections two by two, in the order they arrive, copying both ways until each
 *       side has closed: the circuit of a relay, without the relay's protocol.</li>
 *   <li>{@code side}: a NATed host. {@code listen} binds an ephemeral port with address reuse
 *       ({@code port PORT}: the port a punch dials from; MASQUERADE keeps it). {@code recv IP:PORT}
 *       connects (to the splice; {@code connected}) and {@code punch-recv IP:PORT} dials from the
 *       listening port (a simultaneous open with the sender's {@code punch-send}); both then read to
 *       the end and print {@code received BYTES MILLIS}, from the first byte to the end.
 *       {@code send IP:PORT FILE} and {@code punch-send IP:PORT FILE} write the file and close
 *       ({@code sent BYTES}). A failure prints {@code failed REASON}.</li>
 * </ul>
 * The process ends when stdin closes.
 */
public final class RawCopyMain {
    private static final PrintStream OUT = System.out;
    private static final int BUFFER = 64 * 1024;
    private static final int CONNECT_MILLIS = 5_000;

    private RawCopyMain() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args.length == 1 && args[0].equals("splice")) {
            splice(stdin);
        } else if (args.length == 1 && args[0].equals("side")) {
            side(stdin);
        } else {
            System.err.println("usage: splice | side");
            System.exit(2);
        }
    }

    private static synchronized void say(String line) {
        OUT.println(line);
        OUT.flush();
    }

    private static void splice(BufferedReader stdin) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(0));
            daemon("splice-accept", () -> {
                while (!server.isClosed()) {
                    try {
                        Socket a = server.accept();
                        Socket b = server.accept();
                        daemon("splice-ab", () -> pipe(a, b));
                        daemon("splice-ba", () -> pipe(b, a));
                    } catch (IOException e) {
                        // closed: the loop ends
                    }
                }
            });
            say("listening " + server.getLocalPort());
            while (stdin.readLine() != null) {
                // runs until stdin closes
            }
        }
    }

    /** Copies {@code from} to {@code to} until the end, then half-closes {@code to} (closes both once both ended). */
    private static void pipe(Socket from, Socket to) {
        byte[] buf = new byte[BUFFER];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            to.shutdownOutput();
            if (from.isOutputShutdown()) {
                from.close();
                to.close();
            }
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void side(BufferedReader stdin) throws IOException {
        ServerSocket listener = null;
        String line;
        while ((line = stdin.readLine()) != null) {
            String[] w = line.split(" ");
            try {
                switch (w[0]) {
                    case "listen" -> {
                        if (listener != null) {
                            listener.close();
                        }
                        listener = new ServerSocket();
                        listener.setReuseAddress(true);
                        listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                        listener.bind(new InetSocketAddress(0));
                        say("port " + listener.getLocalPort());
                    }
                    case "recv" -> receive(dial(0, w[1]), true);
                    case "punch-recv" -> receive(dial(listener.getLocalPort(), w[1]), false);
                    case "send" -> send(dial(0, w[1]), Path.of(w[2]));
                    case "punch-send" -> send(dial(listener.getLocalPort(), w[1]), Path.of(w[2]));
                    default -> say("failed unknown command " + w[0]);
                }
            } catch (IOException | RuntimeException e) {
                say("failed " + e);
            }
        }
        if (listener != null) {
            listener.close();
        }
    }

    private static Socket dial(int fromPort, String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        Socket s = new Socket();
        try {
            if (fromPort != 0) {
                s.setReuseAddress(true);
                s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                s.bind(new InetSocketAddress(fromPort));
            }
            s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    CONNECT_MILLIS);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private static void receive(Socket s, boolean announce) throws IOException {
        try (s) {
            if (announce) {
                say("connected");
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[BUFFER];
            int n = in.read(buf);
            long start = System.nanoTime();
            long total = Math.max(n, 0);
            while (n > 0 && (n = in.read(buf)) > 0) {
                total += n;
            }
            say("received " + total + " " + (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static void send(Socket s, Path file) throws IOException {
        try (s; InputStream in = Files.newInputStream(file)) {
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[BUFFER];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                total += n;
            }
            s.shutdownOutput();
            say("sent " + total);
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
