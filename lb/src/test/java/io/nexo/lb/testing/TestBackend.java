package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain blocking TCP server for tests (deliberately not Netty): each accepted connection runs
 * {@code handler} on its own thread. Close it in {@code @AfterEach}.
 */
public final class TestBackend implements AutoCloseable {

    /** What the server does with one connection; the socket is closed afterwards. */
    @FunctionalInterface
    public interface Handler {
        void handle(Socket socket) throws Exception;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();

    private TestBackend(ServerSocket server, Handler handler) {
        this.server = server;
        threads.execute(() -> acceptLoop(handler));
    }

    /** Starts on a free port of 127.0.0.1. */
    public static TestBackend start(Handler handler) throws IOException {
        return start(0, handler);
    }

    /** Starts on {@code port} (0 = free) of 127.0.0.1. */
    public static TestBackend start(int port, Handler handler) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        return new TestBackend(s, handler);
    }

    private void acceptLoop(Handler handler) {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            open.add(socket);
            threads.execute(() -> {
                try (socket) {
                    handler.handle(socket);
                } catch (Exception e) {
                    // the test asserts on what the client saw; a reset here is often the point
                } finally {
                    open.remove(socket);
                }
            });
        }
    }

    public HostAndPort address() {
        return new HostAndPort("127.0.0.1", server.getLocalPort());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far (health checks included). */
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A port on 127.0.0.1 where nothing listens (bound once, then released). */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
