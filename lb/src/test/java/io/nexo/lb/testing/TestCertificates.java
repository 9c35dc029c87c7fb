package io.nexo.lb.testing;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test certificate authority (BouncyCastle): issues RSA or ECDSA certificates for DNS names (and
 * 127.0.0.1), writes them as PEM with the key in PKCS#8 or the traditional form (PKCS#1 for RSA, SEC1
 * for EC), and builds JDK SSL contexts that trust it or present one of its certificates.
 */
public final class TestCertificates {

    /** How a key is written. */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    /** A certificate this CA issued and its key. */
    public record Issued(X509Certificate certificate, KeyPair keys, TestCertificates issuer) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCertificates(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    public static TestCertificates authority(String name) throws Exception {
        KeyPair keys = generate(true);
        X500Name dn = new X500Name("CN=" + name);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(dn,
                BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(365))), dn, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return new TestCertificates(keys, sign(b, keys));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** An ECDSA P-256 certificate for {@code names} (the first is the CN) valid for 90 days. */
    public Issued issue(String... names) throws Exception {
        return issue(true, Duration.ofDays(90), names);
    }

    public Issued issue(boolean ec, Duration validity, String... names) throws Exception {
        KeyPair leafKeys = generate(ec);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
                BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(validity)), new X500Name("CN=" + names[0]), leafKeys.getPublic());
        List<GeneralName> sans = new ArrayList<>();
        for (String n : names) {
            sans.add(new GeneralName(GeneralName.dNSName, n));
        }
        sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
        return new Issued(sign(b, keys), leafKeys, this);
    }

    /** Writes the leaf, this CA's certificate and the key to {@code file}. */
    public static Path write(Path file, Issued cert, KeyFormat format) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(cert.certificate());
            pem.writeObject(cert.issuer().certificate());
            if (format == KeyFormat.PKCS8) {
                pem.writeObject(new JcaPKCS8Generator(cert.keys().getPrivate(), null));
            } else {
                pem.writeObject(traditional(cert.keys().getPrivate())); // RSA PRIVATE KEY / EC PRIVATE KEY
            }
        }
        Files.writeString(file, text.toString());
        return file;
    }

    /**
     * RSA as is (PKCS#1); EC as SEC1 with its named curve inside, as openssl writes it (BouncyCastle
     * would leave the curve out of a JDK key's SEC1 form).
     */
    private static Object traditional(PrivateKey key) throws Exception {
        if (!key.getAlgorithm().equals("EC")) {
            return key;
        }
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
        ECPrivateKey withCurve = new ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
        return new PemObject("EC PRIVATE KEY", withCurve.getEncoded());
    }

    /** Writes this CA's certificate (PEM) to {@code file}. */
    public Path writeCa(Path file) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(certificate);
        }
        Files.writeString(file, text.toString());
        return file;
    }

    /** A JDK client context trusting this CA, presenting {@code clientCert} when not null. */
    public SSLContext clientContext(Issued clientCert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(clientCert == null ? null : keyManagers(clientCert).getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A JDK server context presenting {@code cert}. */
    public static SSLContext serverContext(Issued cert) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(cert).getKeyManagers(), null, null);
        return ctx;
    }

    private static KeyManagerFactory keyManagers(Issued cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", cert.keys().getPrivate(), new char[0],
                new X509Certificate[] {cert.certificate(), cert.issuer().certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf;
    }

    private static KeyPair generate(boolean ec) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(ec ? "EC" : "RSA");
        g.initialize(ec ? 256 : 2048);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuerKeys) throws Exception {
        String alg = issuerKeys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg)
                .build(issuerKeys.getPrivate())));
    }
}
