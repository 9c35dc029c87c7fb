package io.nexo.p2p.files;

import java.util.HexFormat;
import java.util.Objects;

/**
 * The id of a shared file: the root hash of its {@link FileManifest}, a SHA-256 written as
 * 64 lower-case hex digits. Two files with the same bytes and chunk size have the same id,
 * whatever their names.
 *
 * <p>Ids arrive from the network and from users, so {@link #parse} accepts exactly 64 hex digits
 * and nothing else (no prefix, no whitespace inside, no other length).
 */
public record FileId(String hex) implements Comparable<FileId> {

    /** Length of the SHA-256 root hash in bytes. */
    public static final int BYTES = 32;
    /** Length of {@link #hex()}. */
    public static final int HEX_LENGTH = BYTES * 2;

    private static final HexFormat HEX = HexFormat.of();

    public FileId {
        Objects.requireNonNull(hex, "hex");
        if (!isCanonical(hex)) {
            throw new IllegalArgumentException("file id: '" + printable(hex)
                    + "' (expected: " + HEX_LENGTH + " lower-case hex digits, a SHA-256)");
        }
    }

    /**
     * Parses an id typed by a user or received from a peer: 64 hex digits, either case,
     * surrounding whitespace ignored.
     *
     * @throws IllegalArgumentException for anything else, quoting (a printable form of) the input
     */
    public static FileId parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        if (s.length() != HEX_LENGTH || !s.chars().allMatch(FileId::isHexDigit)) {
            throw new IllegalArgumentException("file id: '" + printable(text) + "' (expected: "
                    + HEX_LENGTH + " hex digits, a SHA-256)");
        }
        return new FileId(s.toLowerCase(java.util.Locale.ROOT));
    }

    /** Wraps a raw 32-byte digest. */
    public static FileId of(byte[] digest) {
        Objects.requireNonNull(digest, "digest");
        if (digest.length != BYTES) {
            throw new IllegalArgumentException("file id: " + digest.length + " bytes (expected: "
                    + BYTES + ")");
        }
        return new FileId(HEX.formatHex(digest));
    }

    /** The raw 32-byte digest. */
    public byte[] bytes() {
        return HEX.parseHex(hex);
    }

    /** The first 12 hex digits, enough to tell files apart in a console listing. */
    public String shortForm() {
        return hex.substring(0, 12);
    }

    @Override
    public int compareTo(FileId other) {
        return hex.compareTo(other.hex);
    }

    @Override
    public String toString() {
        return hex;
    }

    private static boolean isCanonical(String s) {
        if (s.length() != HEX_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Hostile input may hold control characters or be huge: quote a short, printable form. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        int limit = Math.min(s.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > limit) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.toString();
    }
}
