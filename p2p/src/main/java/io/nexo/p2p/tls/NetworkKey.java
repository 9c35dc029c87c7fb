package io.nexo.p2p.tls;

import io.nexo.p2p.identity.PeerId;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * The secret of a closed network ({@code --network-key FILE}). After TLS, each side proves it holds
 * the secret with {@code HMAC-SHA256(key, "nexo-netkey-v1" | peer's nonce | own id | peer's id)}.
 * The peer's fresh nonce prevents replay; the two ids, both proved by TLS, prevent relaying a
 * proof from another session. The key is SHA-256 of the file's bytes, so any file works (e.g. 32
 * random bytes: {@code head -c 32 /dev/urandom > net.key}).
 */
public final class NetworkKey {

    private static final byte[] LABEL = "nexo-netkey-v1".getBytes(StandardCharsets.US_ASCII);
    private final byte[] key;

    public NetworkKey(byte[] secret) {
        if (secret.length == 0) {
            throw new IllegalArgumentException("network key: empty (expected: a file with at least 16 bytes)");
        }
        this.key = sha256(secret);
    }

    /** Reads the key from {@code file}; at least 16 bytes are required. */
    public static NetworkKey fromFile(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length < 16) {
                throw new IllegalArgumentException("network key " + file + ": " + bytes.length
                        + " bytes (expected: at least 16, e.g. head -c 32 /dev/urandom > " + file + ")");
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

    /** A tag that tells LAN announcements of this network apart without revealing the key. */
    public String tag() {
        byte[] h = sha256(concat("nexo-netkey-tag".getBytes(StandardCharsets.US_ASCII), key));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            sb.append(String.format("%02x", h[i]));
        }
        return sb.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
