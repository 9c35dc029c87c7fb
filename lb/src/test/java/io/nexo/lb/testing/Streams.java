package io.nexo.lb.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Byte streams with checksums, for integrity tests. */
public final class Streams {

    private Streams() {
    }

    /** Bytes and SHA-256 of what passed. */
    public record Digest(long bytes, String sha256) {
    }

    /** Writes {@code total} pseudo-random bytes (from {@code seed}) and returns their digest. */
    public static Digest writeRandom(OutputStream out, long total, long seed) throws IOException {
        MessageDigest sha = sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buf = new byte[64 * 1024];
        long left = total;
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            for (int i = 0; i < n; i += 8) {
                long r = random.nextLong();
                for (int j = 0; j < 8 && i + j < n; j++) {
                    buf[i + j] = (byte) (r >>> (8 * j));
                }
            }
            out.write(buf, 0, n);
            sha.update(buf, 0, n);
            left -= n;
        }
        out.flush();
        return new Digest(total, HexFormat.of().formatHex(sha.digest()));
    }

    /** Reads until end of stream and returns the digest of everything read. */
    public static Digest readAll(InputStream in) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            sha.update(buf, 0, n);
            total += n;
        }
        return new Digest(total, HexFormat.of().formatHex(sha.digest()));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
