package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
        return start(InetAddress.getLoopbackAddress(), port, handler);
    }

    /** Starts on a free port of {@code host}, e.g. {@code ::1}. */
    public static TestBackend start(String host, Handler handler) throws IOException {
        return start(InetAddress.getByName(host), 0, handler);
    }

    /** Starts on {@code port} (0 = free) of {@code host}, e.g. 127.0.0.11 for a DNS test. */
    public static TestBackend start(InetAddress host, int port, Handler handler) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(host, port), 128);
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
        return HostAndPort.of((InetSocketAddress) server.getLocalSocketAddress());
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

    /** Ports handed out by {@link #closedPort()}: held until the test JVM exits. */
    private static final List<ClosedPort> HELD_FOREVER = new CopyOnWriteArrayList<>();

    /**
     * A port of 127.0.0.1 that refuses every connection for the rest of the test run: a dead
     * backend. See {@link ClosedPort} for why it is held rather than bound and released.
     */
    public static int closedPort() throws IOException {
        ClosedPort p = ClosedPort.reserve();
        HELD_FOREVER.add(p);
        return p.port();
    }

    /**
     * A port of 127.0.0.1 that was free a moment ago, for a server that another process (nginx,
     * redis-server) or a later step binds. Not for a dead backend: use {@link #closedPort()}.
     */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A port of 127.0.0.1 held by a socket that is bound but never listens, so connections to it are
     * refused (RST). A port merely bound and released could be taken meanwhile by another listener
     * of the test run, or be picked as the source port of a connection to itself, which TCP then
     * completes (simultaneous open): the kernel picks neither while this socket holds the port.
     * Close it to let a server bind the port ("the backend comes back").
     */
    public static final class ClosedPort implements AutoCloseable {
        private final Socket holder;

        private ClosedPort(Socket holder) {
            this.holder = holder;
        }

        public static ClosedPort reserve() throws IOException {
            Socket s = new Socket();
            try {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return new ClosedPort(s);
        }

        public int port() {
            return holder.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            holder.close();
        }
    }
}
