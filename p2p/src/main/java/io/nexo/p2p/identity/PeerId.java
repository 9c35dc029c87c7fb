package io.nexo.p2p.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Objects;

/**
 * A node's identity on the network: the SHA-256 of its public key (DER SubjectPublicKeyInfo),
 * written in lowercase RFC 4648 base32 without padding (52 characters), as Syncthing's device ids.
 * Whoever holds the private key can prove the id in a TLS handshake; nobody else can.
 */
public record PeerId(String value) implements Comparable<PeerId> {

    /** Length of the text form. */
    public static final int LENGTH = 52;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    public PeerId {
        Objects.requireNonNull(value, "value");
        if (!idShaped(value)) {
            throw new IllegalArgumentException("invalid peer id '" + value + "' (expected: "
                    + LENGTH + " characters of a-z and 2-7, as printed by 'nexo peer')");
        }
    }

    /** Parses a user-typed id (case-insensitive, surrounding blanks ignored). */
    public static PeerId parse(String text) {
        return new PeerId(text.trim().toLowerCase(java.util.Locale.ROOT));
    }

    /** True when {@code text} has the shape of a peer id. */
    public static boolean looksLikePeerId(String text) {
        return idShaped(text.trim().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * 52 characters of the alphabet. A plain loop: every relayed broadcast builds the id of its origin
     * (with a stream and a lambda here it was about 3% of the Java samples of a 1000-node benchmark).
     */
    private static boolean idShaped(String s) {
        if (s.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = s.charAt(i);
            if ((c < 'a' || c > 'z') && (c < '2' || c > '7')) {
                return false;
            }
        }
        return true;
    }

    /** The id of {@code key}. */
    public static PeerId of(PublicKey key) {
        return ofEncodedKey(key.getEncoded());
    }

    /** The id of the key whose DER SubjectPublicKeyInfo is {@code encoded} (as received, before parsing). */
    public static PeerId ofEncodedKey(byte[] encoded) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(encoded);
            return new PeerId(base32(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** The first 8 characters, enough to tell peers apart in a console. */
    public String shortId() {
        return value.substring(0, 8);
    }

    public byte[] utf8() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    static String base32(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    @Override
    public int compareTo(PeerId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
