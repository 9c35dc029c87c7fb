package io.nexo.p2p.tls;

import io.nexo.p2p.identity.PeerId;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret of a closed network ({@code --network-key FILE}). After TLS, each side proves it holds
 * the secret with {@code HMAC-SHA256(key, "nexo-netkey-v1" | peer's nonce | own id | peer's id)}.
 * The peer's fresh nonce prevents replay; the two ids, both proved by TLS, prevent relaying a
 * proof from another session. The key is SHA-256 of the file's bytes. Every proof under the key
 * (these, and the LAN announcements' {@link #lanProof}) lets whoever saw it test guesses of the key
 * offline, so a key file must look like at least 128 bits of randomness ({@link #estimatedBits}):
 * {@code nexo peer --new-network-key FILE} writes one ({@link #writeNew}).
 */
public final class NetworkKey {

    private static final byte[] LABEL = "nexo-netkey-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAN_LABEL = "nexo-lan-v2".getBytes(StandardCharsets.US_ASCII);
    /** Least randomness a key file must seem to hold. */
    public static final int MIN_BITS = 128;
    private final byte[] key;

    public NetworkKey(byte[] secret) {
        if (secret.length == 0) {
            throw new IllegalArgumentException("network key: empty (expected: a file with at least 16 bytes)");
        }
        this.key = sha256(secret);
    }

    /** Reads the key from {@code file}, refusing one that does not look like 128 bits of randomness. */
    public static NetworkKey fromFile(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            long bits = (long) estimatedBits(bytes);
            if (bits < MIN_BITS) {
                throw new IllegalArgumentException("network key " + file + ": " + bytes.length + " bytes with about "
                        + bits + " bits of randomness (expected: at least " + MIN_BITS
                        + "; nexo peer --new-network-key FILE writes a random one)");
            }
            return new NetworkKey(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read network key " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString()), e);
        }
    }

    /** The proof this node sends to {@code peer} in answer to the peer's {@code peerNonce}. */
    public byte[] proof(byte[] peerNonce, PeerId self, PeerId peer) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(LABEL);
            mac.update(peerNonce);
            mac.update(self.utf8());
            mac.update(peer.utf8());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** True when {@code proof} from {@code peer} answers {@code ownNonce}. Constant time. */
    public boolean verify(byte[] proof, byte[] ownNonce, PeerId self, PeerId peer) {
        return MessageDigest.isEqual(proof, proof(ownNonce, peer, self));
    }

    /**
     * The proof in a closed network's LAN announcement: HMAC-SHA256(key, "nexo-lan-v2" | nonce |
     * time | peer id | port), first 16 bytes in hex. A fresh nonce and the time make each one
     * different, so announcements cannot be linked to one network by a constant, nor replayed later.
     */
    public String lanProof(String nonce, long timeSeconds, PeerId id, int port) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(LAN_LABEL);
            mac.update((nonce + " " + timeSeconds + " " + id + " " + port).getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * How many bits of randomness {@code bytes} seem to hold: their length times the Shannon entropy
     * of their byte frequencies. An upper bound (a long English phrase scores higher than it is
     * worth), but it refuses short keys, repeated characters and short passwords: 32 random bytes
     * score about 150, their 64-digit hex about 250, "correct horse battery staple" about 100.
     */
    public static double estimatedBits(byte[] bytes) {
        int[] counts = new int[256];
        for (byte b : bytes) {
            counts[b & 0xff]++;
        }
        double perByte = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / bytes.length;
                perByte -= p * Math.log(p) / Math.log(2);
            }
        }
        return perByte * bytes.length;
    }

    /** Writes 32 random bytes, in hex, to a new file {@code file} readable by its owner only. */
    public static void writeNew(Path file, SecureRandom random) throws IOException {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        byte[] text = (HexFormat.of().formatHex(secret) + "\n").getBytes(StandardCharsets.US_ASCII);
        boolean posix = file.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
        java.util.Set<java.nio.file.OpenOption> options = java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (SeekableByteChannel out = posix
                ? Files.newByteChannel(file, options, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.newByteChannel(file, options)) {
            ByteBuffer b = ByteBuffer.wrap(text);
            while (b.hasRemaining()) {
                out.write(b);
            }
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
