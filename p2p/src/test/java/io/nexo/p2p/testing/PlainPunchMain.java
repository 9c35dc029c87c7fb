package io.nexo.p2p.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;

/**
 * Hole punching with plain sockets, run as a process on a {@link NatLab} host, driven line by line
 * on stdin; proves the lab before nexo is put in it.
 * <ul>
 *   <li>{@code rendezvous}: listens on an ephemeral port (prints {@code listening PORT}) and tells
 *       every connection the address it came from ({@code IP:PORT}), the observed address.</li>
 *   <li>{@code peer NAME}: on {@code learn IP:PORT}, opens a new listening socket on an ephemeral
 *       port and connects to the rendezvous server from that port (SO_REUSEADDR, SO_REUSEPORT),
 *       prints {@code observed IP:PORT local PORT}; on {@code punch IP:PORT MILLIS}, connects from the
 *       same port to that address (a simultaneous open when both sides do it together), exchanges
 *       names and prints {@code punched NAME} or {@code failed REASON}.</li>
 * </ul>
 * The process ends when stdin closes.
 */
public final class PlainPunchMain {
    private static final PrintStream OUT = System.out;

    private PlainPunchMain() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args.length == 1 && args[0].equals("rendezvous")) {
            rendezvous(stdin);
        } else if (args.length == 2 && args[0].equals("peer")) {
            peer(args[1], stdin);
        } else {
            System.err.println("usage: rendezvous | peer NAME");
            System.exit(2);
        }
    }

    private static void rendezvous(BufferedReader stdin) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(0));
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        InetSocketAddress from = (InetSocketAddress) s.getRemoteSocketAddress();
                        s.getOutputStream().write((from.getAddress().getHostAddress() + ":" + from.getPort() + "\n")
                                .getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        // closed, or one client went away: the next accept says which
                    }
                }
            }, "rendezvous");
            t.setDaemon(true);
            t.start();
            OUT.println("listening " + server.getLocalPort());
            OUT.flush();
            while (stdin.readLine() != null) {
                // runs until the test closes stdin
            }
        }
    }

    private static void peer(String name, BufferedReader stdin) throws IOException {
        ServerSocket listener = null;
        String line;
        while ((line = stdin.readLine()) != null) {
            String[] w = line.split(" ");
            if (w[0].equals("learn")) {
                if (listener != null) {
                    listener.close();
                }
                listener = new ServerSocket();
                reuse(listener);
                listener.bind(new InetSocketAddress(0));
                try (Socket s = dialFrom(listener.getLocalPort(), parse(w[1]), 5_000)) {
                    String observed = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8)).readLine();
                    OUT.println("observed " + observed + " local " + listener.getLocalPort());
                } catch (IOException e) {
                    OUT.println("failed learn " + e);
                }
            } else if (w[0].equals("punch") && listener != null) {
                try (Socket s = dialFrom(listener.getLocalPort(), parse(w[1]), Integer.parseInt(w[2]))) {
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.UTF_8));
                    String other = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.UTF_8)).readLine();
                    OUT.println("punched " + other);
                } catch (IOException e) {
                    OUT.println("failed " + e);
                }
            }
            OUT.flush();
        }
    }

    private static Socket dialFrom(int localPort, SocketAddress to, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        try {
            s.setReuseAddress(true);
            s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            s.bind(new InetSocketAddress(localPort));
            s.connect(to, timeoutMillis);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private static void reuse(ServerSocket s) throws IOException {
        s.setReuseAddress(true);
        s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
    }

    private static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
