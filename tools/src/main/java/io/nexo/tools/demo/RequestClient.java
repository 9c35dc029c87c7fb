package io.nexo.tools.demo;

import io.nexo.core.net.HostAndPort;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The seed's client: one connection per request, send the message, read the answer until the server
 * closes, return it. Blocking and single-threaded on purpose: it is a command-line tool.
 */
public final class RequestClient {

    /** The seed's message. */
    public static final String DEFAULT_MESSAGE = "Hello Load Balancer";
    /** Longest answer kept; a server that sends more is cut off there. */
    private static final int MAX_RESPONSE = 64 * 1024;

    private final HostAndPort to;
    private final Duration timeout;

    public RequestClient(HostAndPort to, Duration timeout) {
        this.to = to;
        this.timeout = timeout;
    }

    /**
     * Sends {@code message} on a new connection and returns the full answer.
     *
     * @throws IOException with a message fit for a user: nothing listens, no answer in time, closed
     *                     without an answer
     */
    public String send(String message) throws IOException {
        InetSocketAddress address = to.toSocketAddress();
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try (Socket socket = new Socket()) {
            try {
                socket.connect(address, timeoutMillis);
            } catch (ConnectException e) {
                throw new IOException("cannot connect to " + to + ": connection refused (is anything listening there?)", e);
            } catch (SocketTimeoutException e) {
                throw new IOException("cannot connect to " + to + ": no answer within " + timeout.toMillis() + " ms", e);
            }
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            socket.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while (answer.size() < MAX_RESPONSE && (n = in.read(buf)) >= 0) {
                    answer.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                if (answer.size() == 0) {
                    throw new IOException(to + " sent no answer within " + timeout.toMillis() + " ms", e);
                }
                // a server that keeps the connection open: what it sent is the answer
            } catch (IOException e) {
                if (answer.size() == 0) {
                    throw new IOException(to + " closed the connection without an answer (" + e.getMessage() + ")", e);
                }
            }
            if (answer.size() == 0) {
                throw new IOException(to + " closed the connection without an answer"
                        + " (for a balancer: no backend reachable?)");
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
