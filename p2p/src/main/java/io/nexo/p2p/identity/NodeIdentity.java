package io.nexo.p2p.identity;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * The node's key pair (ECDSA P-256), its {@link PeerId} and the self-signed certificate that proves
 * the id in TLS. P-256 is chosen because both BoringSSL and the JDK's TLS 1.3 sign with it
 * (ecdsa_secp256r1_sha256); libp2p's TLS spec and Syncthing use self-signed certificates the same
 * way. The key is kept in {@code DATA_DIR/identity.key} (PKCS#8 and X.509 public key, PEM, owner
 * read-only); the certificate is made anew at each start from that key.
 */
public final class NodeIdentity {

    static final String KEY_FILE = "identity.key";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Duration CERT_BACKDATE = Duration.ofHours(1);
    private static final Duration CERT_VALIDITY = Duration.ofDays(3650);

    private final KeyPair keyPair;
    private final PeerId peerId;
    private final X509Certificate certificate;

    private NodeIdentity(KeyPair keyPair) {
        this.keyPair = keyPair;
        this.peerId = PeerId.of(keyPair.getPublic());
        this.certificate = selfSigned(keyPair, peerId);
    }

    /** A fresh identity kept only in memory (tests, benchmarks, a second node sharing a data dir). */
    public static NodeIdentity generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return new NodeIdentity(g.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key pair", e);
        }
    }

    /** Loads the identity kept in {@code dataDir}, creating (and saving) one on first start. */
    public static NodeIdentity loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(KEY_FILE);
        try {
            if (Files.exists(file)) {
                return new NodeIdentity(read(file));
            }
            DataDir.create(dataDir);
            NodeIdentity created = generate();
            write(file, created.keyPair);
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the node identity " + file + ": " + e.getMessage(), e);
        }
    }

    public PeerId peerId() {
        return peerId;
    }

    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    public X509Certificate certificate() {
        return certificate;
    }

    private static KeyPair read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        byte[] priv = pem(text, "PRIVATE KEY", file);
        byte[] pub = pem(text, "PUBLIC KEY", file);
        try {
            KeyFactory kf = KeyFactory.getInstance("EC");
            PrivateKey privateKey = kf.generatePrivate(new PKCS8EncodedKeySpec(priv));
            PublicKey publicKey = kf.generatePublic(new X509EncodedKeySpec(pub));
            return new KeyPair(publicKey, privateKey);
        } catch (GeneralSecurityException e) {
            throw new IOException("not an EC key pair (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] pem(String text, String label, Path file) throws IOException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end, Math.max(b, 0));
        if (b < 0 || e < 0) {
            throw new IOException(file + " has no " + label + " block");
        }
        return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    }

    private static void write(Path file, KeyPair kp) throws IOException {
        Base64.Encoder enc = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        String text = "-----BEGIN PRIVATE KEY-----\n" + enc.encodeToString(kp.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n"
                + "-----BEGIN PUBLIC KEY-----\n" + enc.encodeToString(kp.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        Path tmp = file.resolveSibling(KEY_FILE + ".tmp");
        Files.deleteIfExists(tmp); // a left-over (or planted) file or link: never written through
        // created with mode 0600 in the same system call (CREATE_NEW: O_CREAT|O_EXCL, no symlink
        // followed), so no other local user can open it between its creation and a chmod
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        OpenOption[] options = {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
        try (SeekableByteChannel out = posix
                ? Files.newByteChannel(tmp, Set.of(options), PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.newByteChannel(tmp, options)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private static X509Certificate selfSigned(KeyPair kp, PeerId id) {
        try {
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + id.value());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
                    Date.from(now.minus(CERT_BACKDATE)), Date.from(now.plus(CERT_VALIDITY)),
                    subject, kp.getPublic());
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the node certificate", e);
        }
    }
}
