package io.nexo.bench;

import com.google.protobuf.ByteString;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.identity.Signatures;
import io.nexo.p2p.identity.VerifyingKey;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * CPU per ECDSA P-256 signature check and signing of a broadcast-sized message (1 KiB payload plus
 * the signed header, 1 100 bytes), the way nexo did it before (JCA, Bouncy Castle's provider) against
 * the JDK's SunEC and the lightweight path {@link Signatures} uses now, each with a key parsed once
 * ("cached") or for every check ("newKey"). Also the two SHA-256 implementations over the same bytes.
 * All in one run, so the ratios hold on a busy machine.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar Signature
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SignatureBenchmark {

    private static final Provider BC = new BouncyCastleProvider();
    private static final byte[] PREFIX = "nexo-gossip-sig-v1\0".getBytes(StandardCharsets.US_ASCII);

    private PrivateKey privateKey;
    private byte[] encodedKey;
    private ByteString encodedKeyBytes;
    private PeerId peer;
    private PublicKey bcKey;
    private PublicKey sunKey;
    private VerifyingKey key;
    private byte[] message;
    private byte[] signature;

    @Setup
    public void setUp() throws GeneralSecurityException {
        NodeIdentity id = NodeIdentity.generate();
        privateKey = id.privateKey();
        sunKey = id.publicKey();
        encodedKey = sunKey.getEncoded();
        encodedKeyBytes = ByteString.copyFrom(encodedKey);
        peer = id.peerId();
        bcKey = KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(encodedKey));
        key = VerifyingKey.parse(encodedKey).orElseThrow();
        message = new byte[1100];
        new Random(1).nextBytes(message);
        signature = Signatures.sign(privateKey, PREFIX, message);
        if (!verifyJcaBouncyCastle() || !verifyJcaSunEc() || !verifyLightCached() || !verifyLightNewKey()) {
            throw new IllegalStateException("a verifier refused a good signature");
        }
    }

    private boolean jcaVerify(Provider provider, PublicKey k) throws GeneralSecurityException {
        Signature s = provider == null ? Signature.getInstance("SHA256withECDSA") : Signature.getInstance("SHA256withECDSA", provider);
        s.initVerify(k);
        s.update(PREFIX);
        s.update(message);
        return s.verify(signature);
    }

    /** Before: JCA with Bouncy Castle's provider, the origin's key parsed once by this node. */
    @Benchmark
    public boolean verifyJcaBouncyCastle() throws GeneralSecurityException {
        return jcaVerify(BC, bcKey);
    }

    /** Before, for a key this node had not parsed yet (each node of the benchmark parsed its own). */
    @Benchmark
    public boolean verifyJcaBouncyCastleNewKey() throws GeneralSecurityException {
        return jcaVerify(BC, KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(encodedKey)));
    }

    /** The JDK's own provider (SunEC), key parsed once. */
    @Benchmark
    public boolean verifyJcaSunEc() throws GeneralSecurityException {
        return jcaVerify(null, sunKey);
    }

    /** Now: the lightweight API on a key parsed once (its precomputed tables reused). */
    @Benchmark
    public boolean verifyLightCached() {
        return Signatures.verify(key, signature, PREFIX, message);
    }

    /** Now, for a key parsed for this check alone (what a process-wide cache miss costs). */
    @Benchmark
    public boolean verifyLightNewKey() {
        return Signatures.verify(VerifyingKey.parse(encodedKey).orElseThrow(), signature, PREFIX, message);
    }

    /** Now, as a gossip check does it: the key looked up in the process's cache by its encoding, then verified. */
    @Benchmark
    public boolean verifyLightLookup() {
        return Signatures.verify(Signatures.keyOf(peer, encodedKeyBytes).orElseThrow(), signature, PREFIX, message);
    }

    /** Before: signing through JCA with Bouncy Castle's provider and the node's (SunEC) private key. */
    @Benchmark
    public byte[] signJcaBouncyCastle() throws GeneralSecurityException {
        Signature s = Signature.getInstance("SHA256withECDSA", BC);
        s.initSign(privateKey);
        s.update(PREFIX);
        s.update(message);
        return s.sign();
    }

    /** The JDK's SunEC signing. */
    @Benchmark
    public byte[] signJcaSunEc() throws GeneralSecurityException {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(privateKey);
        s.update(PREFIX);
        s.update(message);
        return s.sign();
    }

    /** Now: lightweight, RFC 6979 nonce, the generator's comb reused. */
    @Benchmark
    public byte[] signLight() {
        return Signatures.sign(privateKey, PREFIX, message);
    }

    /** SHA-256 of the signed bytes, Bouncy Castle's (what the JCA BC signature hashed with). */
    @Benchmark
    public byte[] sha256BouncyCastle() {
        SHA256Digest d = new SHA256Digest();
        d.update(PREFIX, 0, PREFIX.length);
        d.update(message, 0, message.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    /** SHA-256 of the signed bytes, the JDK's (intrinsics). */
    @Benchmark
    public byte[] sha256Jdk() throws GeneralSecurityException {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(PREFIX);
        d.update(message);
        return d.digest();
    }
}
