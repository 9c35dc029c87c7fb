package io.nexo.p2p.identity;

import com.google.protobuf.ByteString;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.util.Optional;

/**
 * ECDSA P-256 with SHA-256 signatures made and checked with a node key, for what nodes sign
 * (broadcasts, peer records, LAN announcements). Each call names its domain prefix, so a signature
 * made for one purpose is never valid for another.
 *
 * <p>Why not JCA: every node verifies every broadcast, so a verification's cost is the network's.
 * Bouncy Castle's lightweight API is used directly, on one curve instance for the process: its
 * generator and each cached {@link VerifyingKey} keep the tables Bouncy Castle precomputes on them
 * (fixed-point combs once a point has been used a few times, wider ones than its default: see
 * {@link CombTables}), where the JCA path rebuilt the generator and its tables for every signing
 * and, for a key parsed by another node, the key's tables too. The digest is the JDK's SHA-256 (CPU instructions where there are any). What is
 * accepted is exactly what {@code Signature.getInstance("SHA256withECDSA", BC)} accepted: DER
 * decoded by the same {@link StandardDSAEncoding} (canonical encoding only, 0 <= r, s < n), then
 * the same {@link ECDSASigner} check (1 <= r, s < n, high s accepted); only keys on curves other
 * than P-256, which no nexo node makes, are refused now. Signing uses deterministic nonces
 * (RFC 6979), which verify like any other.
 */
public final class Signatures {

    /** P-256's parameters for signing: Bouncy Castle's own instance, with its constant-time comb for the generator. */
    static final ECDomainParameters P256;
    /**
     * P-256's parameters for verifying: the same curve instance with a generator instance of its own,
     * which carries the wide comb table ({@link CombTables}). Bouncy Castle's generator is shared
     * with every other user of Bouncy Castle in the process (its JCA provider too), whose tables
     * must keep Bouncy Castle's width, and signing looks tables up in constant time, where a wider
     * table costs more than it saves.
     */
    static final ECDomainParameters P256_VERIFY;

    static {
        X9ECParameters x9 = CustomNamedCurves.getByName("secp256r1");
        P256 = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH(), x9.getSeed());
        ECPoint g = x9.getCurve().createPoint(x9.getG().getAffineXCoord().toBigInteger(),
                x9.getG().getAffineYCoord().toBigInteger());
        P256_VERIFY = new ECDomainParameters(x9.getCurve(), g, x9.getN(), x9.getH(), x9.getSeed());
        CombTables.install(P256_VERIFY.getG());
    }

    private static final VerifyingKeys KEYS = new VerifyingKeys(VerifyingKeys.DEFAULT_PROTECTED,
            VerifyingKeys.DEFAULT_PROBATION);

    private Signatures() {
    }

    /** The signature of {@code key} (a P-256 key) over {@code prefix} then {@code parts}, DER-encoded. */
    public static byte[] sign(PrivateKey key, byte[] prefix, byte[]... parts) {
        return signDigest(key, digest(prefix, parts));
    }

    /** The signature of {@code key} over the message whose {@link #digest} is {@code digest}, DER-encoded. */
    public static byte[] signDigest(PrivateKey key, byte[] digest) {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(scalarOf(key), P256));
        BigInteger[] rs = signer.generateSignature(digest);
        try {
            return StandardDSAEncoding.INSTANCE.encode(P256.getN(), rs[0], rs[1]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a signature", e);
        }
    }

    /** True when {@code signature} is {@code key}'s over {@code prefix} then {@code parts}; a malformed one is false. */
    public static boolean verify(VerifyingKey key, byte[] signature, byte[] prefix, byte[]... parts) {
        return verifyDigest(key, signature, digest(prefix, parts));
    }

    /**
     * True when {@code signature} is {@code key}'s over the message whose {@link #digest} is
     * {@code digest} (for a caller that needs the digest for something else too).
     */
    public static boolean verifyDigest(VerifyingKey key, byte[] signature, byte[] digest) {
        try {
            BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(P256.getN(), signature);
            ECDSASigner verifier = new ECDSASigner();
            verifier.init(false, key.use());
            return verifier.verifySignature(digest, rs[0], rs[1]);
        } catch (IOException | RuntimeException e) {
            return false; // not DER, not canonical, r or s out of range
        }
    }

    /** SHA-256 of {@code prefix} then {@code parts}: what a signature signs. */
    public static byte[] digest(byte[] prefix, byte[]... parts) {
        MessageDigest sha = sha256();
        sha.update(prefix);
        for (byte[] p : parts) {
            sha.update(p);
        }
        return sha.digest();
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    });

    /**
     * This thread's SHA-256, reset: for a digest made and finished ({@code digest()} resets it) with
     * no other use of it in between. Looking the algorithm up for every broadcast a node checks cost
     * a provider search and a reflective construction each time.
     */
    public static MessageDigest sha256() {
        MessageDigest sha = SHA256.get();
        sha.reset();
        return sha;
    }

    /** Adds {@code v} big-endian, as {@code ByteBuffer.putInt} writes it. */
    public static void updateInt(MessageDigest sha, int v) {
        sha.update((byte) (v >>> 24));
        sha.update((byte) (v >>> 16));
        sha.update((byte) (v >>> 8));
        sha.update((byte) v);
    }

    /** Adds {@code v} big-endian, as {@code ByteBuffer.putLong} writes it. */
    public static void updateLong(MessageDigest sha, long v) {
        updateInt(sha, (int) (v >>> 32));
        updateInt(sha, (int) v);
    }

    /** Adds the bytes of {@code b} without copying them into an array of their own. */
    public static void update(MessageDigest sha, ByteString b) {
        sha.update(b.asReadOnlyByteBuffer());
    }

    /**
     * The key whose DER SubjectPublicKeyInfo is {@code encoded}, when it hashes to {@code peer} and
     * is a P-256 key; parsed once per process (see {@link VerifyingKeys}).
     */
    public static Optional<VerifyingKey> keyOf(PeerId peer, ByteString encoded) {
        return KEYS.get(encoded).filter(k -> k.peer().equals(peer));
    }

    /** As {@link #keyOf(PeerId, ByteString)}. */
    public static Optional<VerifyingKey> keyOf(PeerId peer, byte[] encoded) {
        return keyOf(peer, ByteString.copyFrom(encoded));
    }

    /** The process's cache of parsed keys (for statistics). */
    public static VerifyingKeys keys() {
        return KEYS;
    }

    private static BigInteger scalarOf(PrivateKey key) {
        if (key instanceof ECPrivateKey ec && isP256(ec.getParams())) {
            return ec.getS();
        }
        throw new IllegalStateException("cannot sign with the node key: not an EC P-256 private key ("
                + key.getAlgorithm() + ")");
    }

    private static boolean isP256(ECParameterSpec s) {
        return s.getCurve().getField() instanceof ECFieldFp fp
                && fp.getP().equals(P256.getCurve().getField().getCharacteristic())
                && s.getCurve().getA().equals(P256.getCurve().getA().toBigInteger())
                && s.getCurve().getB().equals(P256.getCurve().getB().toBigInteger())
                && s.getGenerator().getAffineX().equals(P256.getG().getAffineXCoord().toBigInteger())
                && s.getGenerator().getAffineY().equals(P256.getG().getAffineYCoord().toBigInteger())
                && s.getOrder().equals(P256.getN())
                && s.getCofactor() == 1;
    }
}
