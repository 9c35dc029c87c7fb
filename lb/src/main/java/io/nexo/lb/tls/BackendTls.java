package io.nexo.lb.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.nexo.lb.config.BackendTlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.util.NetUtil;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.util.List;

/**
 * TLS towards a pool's backends: verifies each backend's certificate against {@code backend-ca} (or the
 * JVM's trust store) for the backend's host name, which it also sends as SNI; with
 * {@code backend-insecure} anything is accepted, and said loudly.
 */
public final class BackendTls {

    private static final Logger log = LoggerFactory.getLogger(BackendTls.class);

    private final SslContext context;
    private final TlsStats stats;

    /** @param stats where each backend handshake's outcome is counted (it outlives this object on reload) */
    public BackendTls(String pool, BackendTlsConfig config, TlsStats stats) {
        this.stats = stats;
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(TlsProviders.provider())
                .endpointIdentificationAlgorithm(config.insecure() ? null : "HTTPS");
        if (config.insecure()) {
            log.warn("pool {}: backend-insecure: backend certificates are NOT verified; anyone on the path "
                    + "can read and change this traffic", pool);
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (config.ca().isPresent()) {
            b.trustManager(PemTrust.load("backend-ca", config.ca().get()));
        }
        try {
            this.context = b.build();
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("pool " + pool + ": backend-tls: " + e.getMessage(), e);
        }
    }

    /**
     * A client handler for a backend at {@code host:port}; SNI and the verified name are {@code host}.
     * Its handshake is counted when it ends, or as a failure by reason (an untrusted or misnamed
     * certificate is {@code certificate}).
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        SslHandler handler = context.newHandler(alloc, host, port);
        if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
            // Netty sends SNI only for names with a dot; a backend called "localhost" or "db" gets it too
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(host)));
            engine.setSSLParameters(parameters);
        }
        handler.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                stats.handshake();
            } else {
                TlsStats.Failure reason = TlsStats.Failure.of(f.cause());
                stats.failure(reason);
                log.debug("backend {}:{}: TLS failed ({}): {}", host, port, reason.label(), f.cause().toString());
            }
        });
        return handler;
    }
}
