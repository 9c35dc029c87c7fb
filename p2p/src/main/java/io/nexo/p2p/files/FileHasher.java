package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Computes a {@link FileManifest} by streaming a file through SHA-256 with one bounded buffer:
 * memory does not grow with the file (a 10 GiB file takes the same {@value #BUFFER_SIZE} bytes).
 */
public final class FileHasher {

    /** Read buffer: large enough for efficient reads, small enough to stay in cache. */
    static final int BUFFER_SIZE = 256 << 10;

    private FileHasher() {
    }

    /** Hashes {@code file} with the chunk size for its size; the manifest takes the file's own name. */
    public static FileManifest hash(Path file) throws IOException {
        return hash(file, file.getFileName().toString(), FileManifest.chunkSizeFor(java.nio.file.Files.size(file)));
    }

    /** Hashes {@code file} under {@code name} with the given chunk size. */
    public static FileManifest hash(Path file, String name, int chunkSize) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            byte[] hashes = chunkHashes(ch, size, chunkSize);
            return FileManifest.of(name, size, chunkSize, hashes);
        }
    }

    /**
     * Re-hashes the first {@code manifest.size()} bytes of {@code file} and returns whether they
     * match the manifest: the whole-file check before a download is renamed into place.
     */
    public static boolean matches(Path file, FileManifest manifest) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() != manifest.size()) {
                return false;
            }
            byte[] hashes = chunkHashes(ch, manifest.size(), manifest.chunkSize());
            return FileId.of(FileManifest.rootHash(manifest.size(), manifest.chunkSize(), hashes))
                    .equals(manifest.id());
        }
    }

    private static byte[] chunkHashes(FileChannel ch, long size, int chunkSize) throws IOException {
        long count = FileManifest.chunkCount(size, chunkSize);
        if (count * FileManifest.HASH_BYTES > Integer.MAX_VALUE) {
            throw new IOException("file too large to share: " + size + " bytes");
        }
        byte[] hashes = new byte[(int) (count * FileManifest.HASH_BYTES)];
        ByteBuffer buf = ByteBuffer.allocate(Math.min(BUFFER_SIZE, chunkSize));
        MessageDigest sha = FileManifest.sha256();
        long position = 0;
        for (int chunk = 0; chunk < count; chunk++) {
            long end = Math.min(size, position + chunkSize);
            while (position < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - position));
                int n = ch.read(buf, position);
                if (n < 0) {
                    throw new IOException("file shrank while hashing: ended at " + position
                            + " of " + size + " bytes");
                }
                position += n;
                sha.update(buf.array(), 0, buf.position());
            }
            // digest() resets the MessageDigest for the next chunk
            System.arraycopy(sha.digest(), 0, hashes, chunk * FileManifest.HASH_BYTES, FileManifest.HASH_BYTES);
        }
        return hashes;
    }
}
