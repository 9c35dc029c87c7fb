package io.nexo.p2p.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;

/**
 * Mutual TLS 1.3 for peer sessions: both sides present the self-signed certificate of their node
 * key and require one from the other side. Uses BoringSSL (netty-tcnative) when it loads, because
 * it moves about three times what the JDK engine does, and the JDK engine otherwise.
 */
public final class PeerTls {

    private static final Logger log = LoggerFactory.getLogger(PeerTls.class);
    private static final String[] PROTOCOLS = {"TLSv1.3"};

    private final SslContext server;
    private final SslContext client;
    private final SslProvider provider;

    public PeerTls(NodeIdentity identity) {
        this.provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        if (provider == SslProvider.JDK) {
            log.info("native TLS (BoringSSL) unavailable ({}); using the JDK's TLS engine",
                    String.valueOf(OpenSsl.unavailabilityCause()));
        }
        try {
            this.server = SslContextBuilder.forServer(identity.privateKey(), identity.certificate())
                    .sslProvider(provider).protocols(PROTOCOLS)
                    .trustManager(SelfSignedPeerTrustManager.INSTANCE)
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
            this.client = SslContextBuilder.forClient()
                    .keyManager(identity.privateKey(), identity.certificate())
                    .sslProvider(provider).protocols(PROTOCOLS)
                    .trustManager(SelfSignedPeerTrustManager.INSTANCE)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /** "OPENSSL" (BoringSSL) or "JDK". */
    public String providerName() {
        return provider.name();
    }

    /** A handler for an accepted ({@code client == false}) or dialled connection. */
    public SslHandler newHandler(ByteBufAllocator alloc, boolean client, Duration handshakeTimeout) {
        SslHandler h = client ? this.client.newHandler(alloc) : server.newHandler(alloc);
        h.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        return h;
    }

    /** The peer id proved by the handshake of {@code session}. */
    public static PeerId peerIdOf(SSLSession session) throws SSLPeerUnverifiedException {
        Certificate[] certs = session.getPeerCertificates();
        if (certs.length == 0 || !(certs[0] instanceof X509Certificate)) {
            throw new SSLPeerUnverifiedException("peer sent no X.509 certificate");
        }
        return PeerId.of(((X509Certificate) certs[0]).getPublicKey());
    }
}
