package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The checks a part file goes through outside of chunk writes: re-verification of held chunks when a
 * download resumes, the final check before the rename, and the rename to a free name.
 */
final class PartFileChecks {

    private PartFileChecks() {
    }

    /**
     * Hashes every chunk {@code held} marks from {@code data}: those that match keep their bit and
     * their hash goes to {@code digests}; the others are returned (the caller clears them).
     */
    static List<Integer> reverify(FileChannel data, FileManifest manifest, BitSet held, byte[] digests)
            throws IOException {
        List<Integer> bad = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(FileHasher.BUFFER_SIZE, manifest.chunkSize()));
        var sha = FileManifest.sha256();
        for (int i = held.nextSetBit(0); i >= 0; i = held.nextSetBit(i + 1)) {
            long pos = manifest.chunkOffset(i);
            long end = pos + manifest.chunkLength(i);
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = data.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
                sha.update(buf.flip());
            }
            byte[] digest = sha.digest(); // also resets it
            if (pos == end && manifest.chunkHashEquals(i, digest)) {
                System.arraycopy(digest, 0, digests, i * FileManifest.HASH_BYTES, FileManifest.HASH_BYTES);
            } else {
                bad.add(i);
            }
        }
        return bad;
    }

    /**
     * The final check, without reading the data back: chunks cut off by a part file of {@code length}
     * bytes, or (when none is) chunks whose hash computed over the bytes written is not the manifest's.
     * Empty when the part file is the file.
     */
    static List<Integer> finalCheck(FileManifest manifest, long length, byte[] digests) {
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < manifest.chunkCount(); i++) {
            if (manifest.chunkOffset(i) + manifest.chunkLength(i) > length) {
                bad.add(i);
            }
        }
        if (bad.isEmpty() && !manifest.rootMatches(digests)) {
            for (int i = 0; i < manifest.chunkCount(); i++) {
                if (!manifest.chunkHashEquals(i, Arrays.copyOfRange(digests, i * FileManifest.HASH_BYTES,
                        (i + 1) * FileManifest.HASH_BYTES))) {
                    bad.add(i);
                }
            }
        }
        return bad;
    }

    /** Renames {@code part} to {@code target}, or to {@code name (1).ext} and so on when it exists. */
    static Path renameToFreeName(Path part, Path target) throws IOException {
        Path finalPath = freeName(target);
        try {
            Files.move(part, finalPath, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // the part file sits next to the target, so this only happens on odd file systems
            Files.move(part, finalPath);
        }
        return finalPath;
    }

    private static Path freeName(Path target) {
        if (!Files.exists(target)) {
            return target;
        }
        String name = target.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int n = 1; n < 10_000; n++) {
            Path candidate = target.resolveSibling(stem + " (" + n + ")" + ext);
            if (!Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free name next to " + target);
    }

    /** Fails with {@link DiskFullException} when {@code target}'s file system has less than {@code needed} bytes usable. */
    static void checkSpace(Path target, long needed, FileManifest m) throws IOException {
        long usable = Files.getFileStore(target.getParent()).getUsableSpace();
        if (usable < needed) {
            throw new DiskFullException("not enough space for " + m.name() + " in " + target.getParent()
                    + ": needs " + needed + " bytes, " + usable + " usable", null);
        }
    }

    /** {@code e} as a {@link DiskFullException} when it is one or the OS's "no space" error, else as it is. */
    static IOException diskFullOr(Exception e, String doing) {
        if (e instanceof DiskFullException d) {
            return d;
        }
        if (e instanceof IOException io && DiskFullException.isNoSpace(io)) {
            return new DiskFullException("disk full " + doing + ": free some space and fetch it again to resume"
                    + " (verified chunks are kept)", e);
        }
        if (e instanceof IOException io) {
            return io;
        }
        throw (RuntimeException) e;
    }
}
