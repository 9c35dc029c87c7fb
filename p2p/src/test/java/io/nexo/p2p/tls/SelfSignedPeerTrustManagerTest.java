package io.nexo.p2p.tls;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexo.p2p.identity.NodeIdentity;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * The only trust decision of the TLS layer: one certificate, signed by its own key, valid now (the
 * clock is fixed at the edges of the validity period). Every method of the trust manager is checked,
 * client and server side alike.
 */
class SelfSignedPeerTrustManagerTest {

    private static final Instant FROM = Instant.parse("2030-01-01T00:00:00Z");
    private static final Instant UNTIL = Instant.parse("2031-01-01T00:00:00Z");

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A certificate for {@code subject}'s public key, signed with {@code signer}. */
    private static X509Certificate cert(KeyPair subject, PrivateKey signer) throws Exception {
        X500Name name = new X500Name("CN=test");
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(FROM), Date.from(UNTIL), name, subject.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    private static SelfSignedPeerTrustManager at(Instant now) {
        return new SelfSignedPeerTrustManager(Clock.fixed(now, ZoneOffset.UTC));
    }

    /** Runs all six checks; each must agree. */
    private static void checkAll(SelfSignedPeerTrustManager tm, X509Certificate[] chain) throws Exception {
        tm.checkClientTrusted(chain, "EC");
        tm.checkServerTrusted(chain, "EC");
        tm.checkClientTrusted(chain, "EC", (java.net.Socket) null);
        tm.checkServerTrusted(chain, "EC", (java.net.Socket) null);
        tm.checkClientTrusted(chain, "EC", (javax.net.ssl.SSLEngine) null);
        tm.checkServerTrusted(chain, "EC", (javax.net.ssl.SSLEngine) null);
    }

    private static void assertEachRefuses(SelfSignedPeerTrustManager tm, X509Certificate[] chain,
                                          Class<? extends Exception> type, String message) {
        assertThatThrownBy(() -> tm.checkClientTrusted(chain, "EC")).isInstanceOf(type).hasMessageContaining(message);
        assertThatThrownBy(() -> tm.checkServerTrusted(chain, "EC")).isInstanceOf(type).hasMessageContaining(message);
        assertThatThrownBy(() -> tm.checkClientTrusted(chain, "EC", (java.net.Socket) null))
                .isInstanceOf(type).hasMessageContaining(message);
        assertThatThrownBy(() -> tm.checkServerTrusted(chain, "EC", (java.net.Socket) null))
                .isInstanceOf(type).hasMessageContaining(message);
        assertThatThrownBy(() -> tm.checkClientTrusted(chain, "EC", (javax.net.ssl.SSLEngine) null))
                .isInstanceOf(type).hasMessageContaining(message);
        assertThatThrownBy(() -> tm.checkServerTrusted(chain, "EC", (javax.net.ssl.SSLEngine) null))
                .isInstanceOf(type).hasMessageContaining(message);
    }

    @Test
    void aSelfSignedCertificateWithinItsValidityIsAccepted() throws Exception {
        KeyPair k = keys();
        X509Certificate[] chain = {cert(k, k.getPrivate())};
        assertThatCode(() -> checkAll(at(FROM), chain)).doesNotThrowAnyException();
        assertThatCode(() -> checkAll(at(UNTIL), chain)).doesNotThrowAnyException();
    }

    @Test
    void theNodesOwnCertificateIsAcceptedNow() {
        X509Certificate[] chain = {NodeIdentity.generate().certificate()};
        assertThatCode(() -> checkAll(SelfSignedPeerTrustManager.INSTANCE, chain)).doesNotThrowAnyException();
    }

    @Test
    void anExpiredOrNotYetValidCertificateIsRefused() throws Exception {
        KeyPair k = keys();
        X509Certificate[] chain = {cert(k, k.getPrivate())};
        assertEachRefuses(at(UNTIL.plusSeconds(1)), chain, CertificateExpiredException.class, "");
        assertEachRefuses(at(FROM.minusSeconds(1)), chain, CertificateNotYetValidException.class, "");
    }

    @Test
    void aCertificateSignedByAnotherKeyIsRefused() throws Exception {
        KeyPair k = keys();
        X509Certificate[] chain = {cert(k, keys().getPrivate())};
        assertEachRefuses(at(FROM), chain, java.security.cert.CertificateException.class,
                "certificate is not signed by its own key");
    }

    @Test
    void anythingButExactlyOneCertificateIsRefused() throws Exception {
        KeyPair k = keys();
        X509Certificate own = cert(k, k.getPrivate());
        SelfSignedPeerTrustManager tm = at(FROM);
        assertEachRefuses(tm, new X509Certificate[] {own, own}, java.security.cert.CertificateException.class,
                "expected exactly one self-signed certificate, got 2");
        assertEachRefuses(tm, new X509Certificate[0], java.security.cert.CertificateException.class,
                "expected exactly one self-signed certificate, got 0");
        assertEachRefuses(tm, null, java.security.cert.CertificateException.class,
                "expected exactly one self-signed certificate, got 0");
    }
}
