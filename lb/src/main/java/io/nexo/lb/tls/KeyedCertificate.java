package io.nexo.lb.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A certificate chain and its private key, read from one PEM file: certificates (leaf first) and a
 * key in PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY})
 * form, RSA or ECDSA. A file without a key, without a certificate, with two keys, or whose key does
 * not match the leaf is refused.
 */
public record KeyedCertificate(Path file, PrivateKey key, List<X509Certificate> chain) {

    /** A certificate file is a few KiB; anything larger is the wrong file. */
    static final long MAX_FILE_BYTES = 1 << 20;
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    public KeyedCertificate {
        chain = List.copyOf(chain);
    }

    /** Reads and checks {@code file}; the message of the exception says what is wrong with it. */
    public static KeyedCertificate load(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(file + ": larger than " + MAX_FILE_BYTES
                        + " bytes (expected: a PEM certificate chain and key)");
            }
            return parse(file, Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static KeyedCertificate parse(Path file, String pem) {
        PrivateKey key = null;
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter certs = new JcaX509CertificateConverter();
        try (Reader r = new StringReader(pem); PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                PrivateKey k = null;
                if (o instanceof PrivateKeyInfo info) {
                    k = jdkKey(info); // PKCS#8
                } else if (o instanceof PEMKeyPair pair) {
                    k = jdkKey(pair.getPrivateKeyInfo()); // PKCS#1 or SEC1 (public part optional)
                }
                if (k != null) {
                    if (key != null) {
                        throw new IllegalArgumentException(file + ": two private keys (expected: one)");
                    }
                    key = k;
                } else if (o instanceof X509CertificateHolder holder) {
                    chain.add(certs.getCertificate(holder));
                } else {
                    throw new IllegalArgumentException(file + ": unsupported PEM object "
                            + o.getClass().getSimpleName() + " (expected: certificates and an unencrypted key)");
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not valid PEM: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(file
                    + ": no certificate (expected: the chain, leaf first, and its key)");
        }
        if (key == null) {
            throw new IllegalArgumentException(file + ": no private key (expected: PKCS#8, PKCS#1 or SEC1 PEM)");
        }
        checkPair(file, key, chain.get(0));
        return new KeyedCertificate(file, key, chain);
    }

    /**
     * The key as the JDK's own type. BouncyCastle reads every encoding (SEC1 keys often carry their
     * curve only inside the key, which the JDK refuses) and writes PKCS#8 the JDK reads.
     */
    private static PrivateKey jdkKey(PrivateKeyInfo info) throws IOException, GeneralSecurityException {
        PrivateKey bc = new JcaPEMKeyConverter().setProvider(BC).getPrivateKey(info);
        String algorithm = bc instanceof java.security.interfaces.ECKey ? "EC" : bc.getAlgorithm(); // BC: "ECDSA"
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(bc.getEncoded()));
    }

    /** Signs a nonce with the key and verifies it with the leaf's public key. */
    private static void checkPair(Path file, PrivateKey key, X509Certificate leaf) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> throw new IllegalArgumentException(file + ": " + key.getAlgorithm()
                    + " key (expected: RSA or ECDSA)");
        };
        try {
            byte[] nonce = "nexo key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(nonce);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(nonce);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // falls through: a key of another type than the certificate's
        }
        throw new IllegalArgumentException(file + ": the private key does not match the first certificate");
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The leaf's DNS names (subject alternative names), lower case; the CN only when it has none. */
    public Set<String> dnsNames() {
        Set<String> names = new LinkedHashSet<>();
        try {
            var sans = leaf().getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable SAN: the CN below
        }
        if (names.isEmpty()) {
            String dn = leaf().getSubjectX500Principal().getName();
            for (String part : dn.split(",")) {
                if (part.startsWith("CN=")) {
                    names.add(part.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }
}
