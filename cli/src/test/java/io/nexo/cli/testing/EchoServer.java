package io.nexo.cli.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;

/** A blocking echo server on a free loopback port for process tests: each connection echoes until the client's FIN. */
public final class EchoServer {

    private EchoServer() {
    }

    /**
     * Starts it on daemon threads and returns its port; the server socket and every accepted socket go into
     * {@code toClose}, which the test closes when it ends.
     */
    public static int start(int backlog, List<AutoCloseable> toClose) throws IOException {
        ServerSocket server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        toClose.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    toClose.add(s);
                    Thread h = new Thread(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException ignored) {
                            // client went away
                        }
                    });
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "echo-accept");
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }
}
