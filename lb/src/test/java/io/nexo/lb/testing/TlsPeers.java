package io.nexo.lb.testing;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** JDK TLS clients and a greeting TLS backend, for tests on both sides of the balancer. */
public final class TlsPeers {

    private TlsPeers() {
    }

    /** What a TLS client saw: the server's leaf certificate, the ALPN protocol and the greeting line. */
    public record Seen(X509Certificate certificate, String alpn, String greeting) {
    }

    /**
     * Connects with {@code ctx}, asks for {@code serverName} (null = no SNI) and {@code alpn}, and
     * reads one line.
     */
    public static Seen connect(SSLContext ctx, InetSocketAddress address, String serverName, String... alpn)
            throws IOException {
        try (SSLSocket s = open(ctx, address, serverName, alpn)) {
            Seen seen = new Seen((X509Certificate) s.getSession().getPeerCertificates()[0], s.getApplicationProtocol(),
                    readLine(s.getInputStream()));
            // the JDK would resume this session on the next connection to the same address, with this
            // connection's server name in its ClientHello whatever the next one asks for
            s.getSession().invalidate();
            return seen;
        }
    }

    /** A connected client socket, handshake started (5 s timeout on reads). */
    public static SSLSocket open(SSLContext ctx, InetSocketAddress address, String serverName, String... alpn)
            throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        try {
            s.connect(address, 5_000);
            s.setSoTimeout(5_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            if (alpn.length > 0) {
                p.setApplicationProtocols(alpn);
            }
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return b == -1 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /** A TLS server on 127.0.0.1 that greets each client with its name and then echoes. */
    public static final class Backend implements AutoCloseable {
        private final String name;
        private final SSLServerSocket server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        /** The SNI each client asked for ("" = none), in order. */
        public final Queue<String> serverNames = new ConcurrentLinkedQueue<>();

        public Backend(String name, SSLContext ctx) throws IOException {
            this.name = name;
            this.server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 64,
                    InetAddress.getLoopbackAddress());
            threads.execute(this::acceptLoop);
        }

        public int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    SSLSocket s = (SSLSocket) server.accept();
                    threads.execute(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(SSLSocket s) {
            try (s) {
                s.startHandshake();
                List<SNIServerName> names = ((ExtendedSSLSession) s.getSession()).getRequestedServerNames();
                serverNames.add(names.isEmpty() ? "" : ((SNIHostName) names.get(0)).getAsciiName());
                OutputStream out = s.getOutputStream();
                out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                s.getInputStream().transferTo(out);
            } catch (IOException e) {
                // the client left or the handshake failed: the test looks at what the client saw
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
