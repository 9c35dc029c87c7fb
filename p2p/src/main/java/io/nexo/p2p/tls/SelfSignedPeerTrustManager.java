package io.nexo.p2p.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;

/**
 * Accepts exactly one self-signed certificate whose signature verifies with its own key and which is
 * within its validity period. There is no certificate authority in a peer network: what the
 * certificate proves is possession of the key, and the key is the identity ({@code PeerId}). The
 * session layer then compares that id with the one it expected.
 */
final class SelfSignedPeerTrustManager extends X509ExtendedTrustManager {

    static final SelfSignedPeerTrustManager INSTANCE = new SelfSignedPeerTrustManager(Clock.systemUTC());

    /** Reads the time for the validity check, so tests can stand at either edge of the period. */
    private final Clock clock;

    SelfSignedPeerTrustManager(Clock clock) {
        this.clock = clock;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("expected exactly one self-signed certificate, got "
                    + (chain == null ? 0 : chain.length));
        }
        X509Certificate cert = chain[0];
        cert.checkValidity(Date.from(clock.instant()));
        try {
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("certificate is not signed by its own key: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
