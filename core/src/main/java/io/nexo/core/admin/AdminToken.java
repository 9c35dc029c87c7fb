package io.nexo.core.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * The admin API's bearer token, read from a file. The file must hold one line of at least
 * {@link #MIN_LENGTH} visible ASCII characters and must not be readable or writable by every user
 * (on file systems with POSIX permissions); anything else is refused, so a forgotten {@code chmod} or
 * an empty file never leaves the API open. Only a SHA-256 digest is kept, and a presented token is
 * compared by digest in constant time.
 */
final class AdminToken {

    /** Shorter tokens are guessable; {@code openssl rand -hex 32} gives 64 characters. */
    static final int MIN_LENGTH = 16;
    /** A token file is one line; more is the wrong file. Checked before reading. */
    static final int MAX_FILE_BYTES = 1024;

    private final byte[] digest;

    private AdminToken(byte[] digest) {
        this.digest = digest;
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws IllegalArgumentException {@code "token-file: FILE: why (expected: ...)"}
     */
    static AdminToken read(Path file) {
        String token;
        try {
            checkPermissions(file);
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw invalid(file, "larger than " + MAX_FILE_BYTES + " bytes", "one line with the token");
            }
            token = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            throw invalid(file, "no such file", "a readable file with the token");
        } catch (IOException e) {
            throw invalid(file, "cannot read: " + e.getMessage(), "a readable file with the token");
        }
        if (token.isEmpty()) {
            throw invalid(file, "empty", "one line with the token, e.g. from openssl rand -hex 32");
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw invalid(file, "holds spaces, control or non-ASCII characters", "one line of visible ASCII");
        }
        if (token.length() < MIN_LENGTH) {
            throw invalid(file, token.length() + " characters", "at least " + MIN_LENGTH
                    + ", e.g. from openssl rand -hex 32");
        }
        return new AdminToken(sha256(token));
    }

    /** Whether {@code presented} is the token; takes the same time whatever it holds. */
    boolean matches(String presented) {
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    private static void checkPermissions(Path file) throws IOException {
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (posix == null || !Files.exists(file)) {
            return; // no POSIX permissions here (or no file: read() says so)
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw invalid(file, "readable or writable by every user", "chmod 600 (or 640)");
        }
    }

    private static IllegalArgumentException invalid(Path file, String why, String expected) {
        return new IllegalArgumentException("token-file: " + file + ": " + why + " (expected: " + expected + ")");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
