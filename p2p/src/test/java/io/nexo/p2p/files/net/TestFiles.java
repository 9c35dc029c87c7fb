package io.nexo.p2p.files.net;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;

/** Files to share in tests, and the SHA-256 that proves a download equal to its source. */
final class TestFiles {

    static final int MIB = 1 << 20;

    private TestFiles() {
    }

    /** Writes {@code mib} MiB of seeded random bytes, then {@code tail} more (a short last chunk), to {@code p}. */
    static Path random(Path p, int mib, int tail, long seed) throws IOException {
        Files.createDirectories(p.getParent());
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (int i = 0; i < mib; i++) {
                r.nextBytes(buf);
                out.write(buf);
            }
            out.write(buf, 0, tail);
        }
        return p;
    }

    static byte[] sha256(Path p) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer buf = ByteBuffer.allocate(MIB);
            while (ch.read(buf.clear()) > 0) {
                sha.update(buf.flip());
            }
        }
        return sha.digest();
    }
}
