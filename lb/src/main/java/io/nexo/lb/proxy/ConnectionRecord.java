package io.nexo.lb.proxy;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.backend.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * What one proxied connection did, for the access log: who, where, how many bytes each way, how long
 * and why it ended (the first reason reported wins: "client closed", "backend closed", "idle timeout",
 * "no backend", "client error: ..."). Touched only on the connection's event loop.
 */
final class ConnectionRecord {

    /** Logger of the access log, so users can route it to its own file. */
    static final Logger ACCESS = LoggerFactory.getLogger("io.nexo.lb.access");

    private final String listener;
    private final SocketAddress client;
    private final long startNanos = System.nanoTime();
    private Backend backend;
    private String reason;

    ConnectionRecord(String listener, SocketAddress client) {
        this.listener = listener;
        this.client = client;
    }

    void backend(Backend chosen) {
        this.backend = chosen;
    }

    /** Notes why the connection ends, unless a reason is already known. */
    void end(String why) {
        if (reason == null) {
            reason = why;
        }
    }

    void log(long bytesIn, long bytesOut) {
        // as users write addresses (127.0.0.1:51000, [::1]:51000), not Java's "/0:0:0:0:0:0:0:1:51000"
        Object who = client instanceof InetSocketAddress inet ? HostAndPort.of(inet) : client;
        ACCESS.info("{} client={} backend={} in={} out={} duration={}ms close=\"{}\"", listener, who,
                backend == null ? "-" : backend.name(), bytesIn, bytesOut,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), reason == null ? "closed" : reason);
    }
}
