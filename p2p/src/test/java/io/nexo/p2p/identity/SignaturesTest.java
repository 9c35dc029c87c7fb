package io.nexo.p2p.identity;

import com.google.protobuf.ByteString;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.math.ec.FixedPointPreCompInfo;
import org.bouncycastle.math.ec.FixedPointUtil;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lightweight signer and verifier against JCA (Bouncy Castle's provider, which nexo used
 * before, and the JDK's SunEC): each verifies what the other signs, and every malformed, tampered
 * or out-of-range signature is refused by both alike.
 */
class SignaturesTest {

    private static final Provider BC = new BouncyCastleProvider();
    private static final byte[] PREFIX = "test-sig\0".getBytes(StandardCharsets.US_ASCII);
    private static final BigInteger N = Signatures.P256.getN();
    private static final KeyPair SUN = generate("secp256r1", null);
    private static final VerifyingKey KEY = VerifyingKey.parse(SUN.getPublic().getEncoded()).orElseThrow();

    private static KeyPair generate(String curve, Provider provider) {
        try {
            KeyPairGenerator g = provider == null ? KeyPairGenerator.getInstance("EC")
                    : KeyPairGenerator.getInstance("EC", provider);
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] jcaSign(PrivateKey key, Provider provider, byte[] message) throws GeneralSecurityException {
        Signature s = provider == null ? Signature.getInstance("SHA256withECDSA")
                : Signature.getInstance("SHA256withECDSA", provider);
        s.initSign(key);
        s.update(PREFIX);
        s.update(message);
        return s.sign();
    }

    /** What nexo accepted before: Bouncy Castle's JCA verifier, any exception meaning "no". */
    private static boolean jcaBcVerify(PublicKey key, byte[] signature, byte[] message) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA", BC);
            s.initVerify(KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(key.getEncoded())));
            s.update(PREFIX);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] der(BigInteger r, BigInteger s) throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(r));
        v.add(new ASN1Integer(s));
        return new DERSequence(v).getEncoded();
    }

    private static BigInteger[] rs(byte[] der) {
        ASN1Sequence seq = ASN1Sequence.getInstance(der);
        return new BigInteger[] {ASN1Integer.getInstance(seq.getObjectAt(0)).getValue(),
                ASN1Integer.getInstance(seq.getObjectAt(1)).getValue()};
    }

    @Test
    void whatJcaSignsVerifiesAndWhatWeSignVerifiesWithJca() throws Exception {
        Random random = new Random(12);
        KeyPair bcPair = generate("secp256r1", BC);
        VerifyingKey bcKey = VerifyingKey.parse(bcPair.getPublic().getEncoded()).orElseThrow();
        for (int i = 0; i < 20; i++) {
            byte[] message = new byte[random.nextInt(2048)];
            random.nextBytes(message);
            assertThat(Signatures.verify(KEY, jcaSign(SUN.getPrivate(), null, message), PREFIX, message)).isTrue();
            assertThat(Signatures.verify(bcKey, jcaSign(bcPair.getPrivate(), BC, message), PREFIX, message)).isTrue();

            byte[] ours = Signatures.sign(SUN.getPrivate(), PREFIX, message);
            assertThat(jcaBcVerify(SUN.getPublic(), ours, message)).isTrue();
            Signature sun = Signature.getInstance("SHA256withECDSA");
            sun.initVerify(SUN.getPublic());
            sun.update(PREFIX);
            sun.update(message);
            assertThat(sun.verify(ours)).isTrue();
            // a Bouncy Castle private key signs the same way
            assertThat(jcaBcVerify(bcPair.getPublic(), Signatures.sign(bcPair.getPrivate(), PREFIX, message), message))
                    .isTrue();
        }
    }

    @Test
    void partsAreSignedAsOneMessageAndTheNonceIsDeterministic() {
        byte[] whole = "hello world".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = Signatures.sign(SUN.getPrivate(), PREFIX, "hello ".getBytes(StandardCharsets.US_ASCII),
                "world".getBytes(StandardCharsets.US_ASCII));
        assertThat(Signatures.verify(KEY, sig, PREFIX, whole)).isTrue();
        // RFC 6979: the same key and message give the same signature, no random source involved
        assertThat(Signatures.sign(SUN.getPrivate(), PREFIX, whole)).isEqualTo(sig);
        assertThat(Signatures.verifyDigest(KEY, sig, Signatures.digest(PREFIX, whole))).isTrue();
    }

    @Test
    void tamperedMessageSignatureOrKeyIsRefused() throws Exception {
        byte[] message = "pay bob 10".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = jcaSign(SUN.getPrivate(), null, message);
        assertThat(Signatures.verify(KEY, sig, PREFIX, message)).isTrue();
        for (int i = 0; i < message.length; i++) {
            byte[] m = message.clone();
            m[i] ^= 1;
            assertThat(Signatures.verify(KEY, sig, PREFIX, m)).as("message byte %d", i).isFalse();
        }
        assertThat(Signatures.verify(KEY, sig, "other-domain\0".getBytes(StandardCharsets.US_ASCII), message)).isFalse();
        for (int i = 0; i < sig.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] s = sig.clone();
                s[i] ^= (byte) (1 << bit);
                assertThat(Signatures.verify(KEY, s, PREFIX, message)).as("signature byte %d bit %d", i, bit)
                        .isFalse().isEqualTo(jcaBcVerify(SUN.getPublic(), s, message));
            }
        }
        VerifyingKey other = VerifyingKey.parse(generate("secp256r1", null).getPublic().getEncoded()).orElseThrow();
        assertThat(Signatures.verify(other, sig, PREFIX, message)).isFalse();
    }

    @Test
    void malformedDerIsRefusedAsBouncyCastleRefusedIt() throws Exception {
        byte[] message = "m".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = jcaSign(SUN.getPrivate(), null, message);
        BigInteger[] rs = rs(sig);
        byte[] r = rs[0].toByteArray();
        byte[] s = rs[1].toByteArray();
        List<byte[]> bad = new ArrayList<>();
        bad.add(new byte[0]);
        bad.add(new byte[] {0x30, 0x00});
        bad.add(Arrays.copyOf(sig, sig.length - 1)); // truncated
        bad.add(concat(sig, new byte[] {0})); // trailing byte
        bad.add(concat(new byte[] {0x30, (byte) 0x81, (byte) (sig.length - 2)}, Arrays.copyOfRange(sig, 2, sig.length))); // long-form length
        bad.add(seq(concat(integer(concat(new byte[] {0}, r)), integer(s)))); // r with a needless leading zero
        bad.add(seq(concat(integer(r), integer(s), integer(new byte[] {1})))); // three integers
        bad.add(seq(integer(r))); // one integer
        bad.add(concat(new byte[] {0x31}, Arrays.copyOfRange(sig, 1, sig.length))); // a SET, not a SEQUENCE
        bad.add(seq(concat(new byte[] {0x04, (byte) r.length}, r, integer(s)))); // r as an OCTET STRING
        for (byte[] b : bad) {
            assertThat(jcaBcVerify(SUN.getPublic(), b, message)).as("JCA on %s", Arrays.toString(b)).isFalse();
            assertThat(Signatures.verify(KEY, b, PREFIX, message)).as("ours on %s", Arrays.toString(b)).isFalse();
        }
        // the canonical re-encoding of the same values still verifies (the cases above differ only in form)
        assertThat(Signatures.verify(KEY, der(rs[0], rs[1]), PREFIX, message)).isTrue();
    }

    @Test
    void rAndSOutOfRangeAreRefusedAndHighSIsAcceptedAsBefore() throws Exception {
        byte[] message = "m".getBytes(StandardCharsets.US_ASCII);
        BigInteger[] rs = rs(jcaSign(SUN.getPrivate(), null, message));
        BigInteger r = rs[0];
        BigInteger s = rs[1];
        BigInteger[][] outOfRange = {
            {BigInteger.ZERO, s}, {r, BigInteger.ZERO}, {N, s}, {r, N}, {r.add(N), s}, {r, s.add(N)},
            {r.negate(), s}, {r, s.negate()}, {BigInteger.ONE.shiftLeft(256), s},
        };
        for (BigInteger[] v : outOfRange) {
            byte[] b = der(v[0], v[1]);
            assertThat(jcaBcVerify(SUN.getPublic(), b, message)).as("JCA r=%s s=%s", v[0], v[1]).isFalse();
            assertThat(Signatures.verify(KEY, b, PREFIX, message)).as("ours r=%s s=%s", v[0], v[1]).isFalse();
        }
        // (r, n - s) is the same signature's twin: JCA accepted it, so do we (no low-s rule on the wire)
        byte[] twin = der(r, N.subtract(s));
        assertThat(jcaBcVerify(SUN.getPublic(), twin, message)).isTrue();
        assertThat(Signatures.verify(KEY, twin, PREFIX, message)).isTrue();
    }

    @Test
    void onlyP256KeysParseCompressedOrNot() throws Exception {
        assertThat(KEY.peer()).isEqualTo(PeerId.ofEncodedKey(SUN.getPublic().getEncoded()));
        // the compressed form of the same point, as Bouncy Castle's KeyFactory also read it
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo info =
                org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(SUN.getPublic().getEncoded());
        byte[] point = Signatures.P256.getCurve().decodePoint(info.getPublicKeyData().getBytes()).getEncoded(true);
        byte[] compressed = new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(info.getAlgorithm(), point).getEncoded();
        assertThat(KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(compressed))).isNotNull();
        assertThat(compressed.length).isLessThan(SUN.getPublic().getEncoded().length);
        VerifyingKey c = VerifyingKey.parse(compressed).orElseThrow();
        byte[] message = "m".getBytes(StandardCharsets.US_ASCII);
        assertThat(Signatures.verify(c, jcaSign(SUN.getPrivate(), null, message), PREFIX, message)).isTrue();

        assertThat(VerifyingKey.parse(generate("secp384r1", null).getPublic().getEncoded())).isEmpty();
        assertThat(VerifyingKey.parse(generate("secp256k1", BC).getPublic().getEncoded())).isEmpty();
        KeyPairGenerator ed = KeyPairGenerator.getInstance("Ed25519");
        assertThat(VerifyingKey.parse(ed.generateKeyPair().getPublic().getEncoded())).isEmpty();
        assertThat(VerifyingKey.parse(new byte[0])).isEmpty();
        assertThat(VerifyingKey.parse(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01})).isEmpty();
        byte[] offCurve = SUN.getPublic().getEncoded().clone();
        offCurve[offCurve.length - 1] ^= 1; // y changed: not on the curve
        assertThat(VerifyingKey.parse(offCurve)).isEmpty();
        assertThatThrownBy(() -> Signatures.sign(generate("secp384r1", null).getPrivate(), PREFIX, message))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not an EC P-256 private key");
    }

    @Test
    void manySignaturesAcrossTheWideTablesVerifyAsWithJca() throws Exception {
        // one key through its first uses (Bouncy Castle's window method) and on (the wide comb), both ways
        KeyPair pair = generate("secp256r1", null);
        VerifyingKey k = VerifyingKey.parse(pair.getPublic().getEncoded()).orElseThrow();
        Random random = new Random(7);
        for (int i = 0; i < 60; i++) {
            byte[] message = new byte[1 + random.nextInt(64)];
            random.nextBytes(message);
            byte[] theirs = jcaSign(pair.getPrivate(), null, message);
            assertThat(Signatures.verify(k, theirs, PREFIX, message)).as("use %d", i).isTrue();
            BigInteger[] rs = rs(theirs);
            assertThat(Signatures.verify(k, der(rs[0], rs[1].add(BigInteger.ONE).mod(N)), PREFIX, message)).isFalse();
            assertThat(jcaBcVerify(pair.getPublic(), Signatures.sign(pair.getPrivate(), PREFIX, message), message)).isTrue();
        }
    }

    @Test
    void keyOfChecksThePeerIdAndReusesTheParsedKeyWithItsPrecomputedTables() throws Exception {
        KeyPair pair = generate("secp256r1", null);
        byte[] encoded = pair.getPublic().getEncoded();
        PeerId peer = PeerId.ofEncodedKey(encoded);
        assertThat(Signatures.keyOf(PeerId.ofEncodedKey(SUN.getPublic().getEncoded()), encoded)).isEmpty();
        VerifyingKey k = Signatures.keyOf(peer, encoded).orElseThrow();
        byte[] message = "m".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = jcaSign(pair.getPrivate(), null, message);
        for (int i = 0; i < 6; i++) {
            VerifyingKey again = Signatures.keyOf(peer, ByteString.copyFrom(encoded)).orElseThrow();
            assertThat(again).isSameAs(k);
            assertThat(Signatures.verify(again, sig, PREFIX, message)).isTrue();
            // from its third use the key carries the wide comb table, as the generator always does
            assertThat(CombTables.installed(k.point().getQ())).isEqualTo(i + 1 >= VerifyingKey.USES_BEFORE_TABLE);
        }
        assertThat(CombTables.installed(Signatures.P256_VERIFY.getG())).isTrue();
        // Bouncy Castle's own generator, shared with its JCA provider and used for signing, keeps its width
        assertThat(CombTables.installed(Signatures.P256.getG())).isFalse();
        assertThat(Signatures.P256.getG()).isSameAs(org.bouncycastle.crypto.ec.CustomNamedCurves.getByName("secp256r1").getG());
        // ... and Bouncy Castle's fixed-point comb runs on it: no table of its own default width was built
        assertThat(k.point().getQ().getCurve().getPreCompInfo(k.point().getQ(), FixedPointUtil.PRECOMP_NAME))
                .isInstanceOfSatisfying(FixedPointPreCompInfo.class, fp -> assertThat(fp.getWidth()).isEqualTo(8));
        byte[] tampered = message.clone();
        tampered[0] ^= 1;
        assertThat(Signatures.verify(k, sig, PREFIX, tampered)).isFalse();
    }

    private static byte[] integer(byte[] value) {
        return concat(new byte[] {0x02, (byte) value.length}, value);
    }

    private static byte[] seq(byte[] content) {
        return concat(new byte[] {0x30, (byte) content.length}, content);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
