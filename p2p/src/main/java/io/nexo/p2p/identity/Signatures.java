package io.nexo.p2p.identity;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Optional;

/**
 * ECDSA P-256 with SHA-256 signatures made and checked with a node key, for what nodes sign
 * (broadcasts, peer records). Bouncy Castle's implementation, not registered globally: on JDK 17 it
 * verifies several times faster than SunEC (measured 0.75 ms against 6 ms on a loaded 2-core machine),
 * and every node verifies every broadcast. Each call names its domain prefix, so a signature made
 * for one purpose is never valid for another.
 */
public final class Signatures {

    private static final Provider BC = new BouncyCastleProvider();
    private static final String ALGORITHM = "SHA256withECDSA";

    private Signatures() {
    }

    /** The signature of {@code key} over {@code prefix} then {@code parts}. */
    public static byte[] sign(PrivateKey key, byte[] prefix, byte[]... parts) {
        try {
            Signature s = Signature.getInstance(ALGORITHM, BC);
            s.initSign(key);
            return feed(s, prefix, parts).sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with the node key", e);
        }
    }

    /** True when {@code signature} is {@code key}'s over {@code prefix} then {@code parts}; a malformed one is false. */
    public static boolean verify(PublicKey key, byte[] signature, byte[] prefix, byte[]... parts) {
        try {
            Signature s = Signature.getInstance(ALGORITHM, BC);
            s.initVerify(key);
            return feed(s, prefix, parts).verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static Signature feed(Signature s, byte[] prefix, byte[]... parts) throws GeneralSecurityException {
        s.update(prefix);
        for (byte[] p : parts) {
            s.update(p);
        }
        return s;
    }

    /** The key whose DER SubjectPublicKeyInfo is {@code encoded}, when it hashes to {@code peer} and parses. */
    public static Optional<PublicKey> keyOf(PeerId peer, byte[] encoded) {
        if (!PeerId.ofEncodedKey(encoded).equals(peer)) {
            return Optional.empty();
        }
        try {
            return Optional.of(KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(encoded)));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
