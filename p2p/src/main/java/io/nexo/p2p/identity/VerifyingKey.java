package io.nexo.p2p.identity;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's public key parsed once for verifying its signatures: an EC P-256 point on the curve
 * instance that every key of the process shares, and the {@link PeerId} its encoding hashes to.
 * Bouncy Castle keeps the tables it precomputes for a point on the point itself, so reusing one
 * {@code VerifyingKey} for an origin's messages (see {@link VerifyingKeys}) makes each verification
 * after the first few more than twice cheaper than parsing the key again; from its third use the key
 * carries a wide comb table ({@link CombTables}). Thread-safe (Bouncy Castle synchronises its
 * precomputation).
 */
public final class VerifyingKey {

    /** Uses after which the key gets its wide comb table: worth its cost (about five verifications) only for a key in use. */
    static final int USES_BEFORE_TABLE = 3;

    private final PeerId peer;
    private final ECPublicKeyParameters point;
    private final AtomicInteger uses = new AtomicInteger();

    private VerifyingKey(PeerId peer, ECPublicKeyParameters point) {
        this.peer = peer;
        this.point = point;
    }

    /**
     * The key whose DER SubjectPublicKeyInfo is {@code encoded}, when it is an EC key on P-256
     * (named, or with explicit parameters equal to P-256's; point compressed or not, as Bouncy
     * Castle's {@code KeyFactory} reads it) and the point is valid; empty for anything else, never
     * an exception.
     */
    public static Optional<VerifyingKey> parse(byte[] encoded) {
        ECPublicKeyParameters q;
        try {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(encoded);
            if (!X9ObjectIdentifiers.id_ecPublicKey.equals(info.getAlgorithm().getAlgorithm())) {
                return Optional.empty();
            }
            AsymmetricKeyParameter k = PublicKeyFactory.createKey(info);
            if (!(k instanceof ECPublicKeyParameters ec) || !isP256(ec.getParameters())) {
                return Optional.empty();
            }
            // the same point on the process's one curve instance, validated again by the constructor
            q = new ECPublicKeyParameters(Signatures.P256_VERIFY.getCurve().importPoint(ec.getQ()), Signatures.P256_VERIFY);
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty(); // not DER, not a key, not on the curve, the point at infinity...
        }
        return Optional.of(new VerifyingKey(PeerId.ofEncodedKey(encoded), q));
    }

    private static boolean isP256(ECDomainParameters d) {
        ECDomainParameters p = Signatures.P256;
        return d.getCurve().equals(p.getCurve()) && d.getG().equals(p.getG()) && d.getN().equals(p.getN())
                && d.getH().equals(p.getH());
    }

    /** The peer whose id is the hash of this key's encoding. */
    public PeerId peer() {
        return peer;
    }

    /** The point, counting a use (the third installs the wide comb table). */
    ECPublicKeyParameters use() {
        if (uses.incrementAndGet() == USES_BEFORE_TABLE) {
            CombTables.install(point.getQ());
        }
        return point;
    }

    ECPublicKeyParameters point() {
        return point;
    }

    @Override
    public String toString() {
        return "VerifyingKey[" + peer.shortId() + "]";
    }
}
