package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHasherTest {

    private static final int CHUNK = FileManifest.MIN_CHUNK_SIZE;

    @TempDir
    Path dir;

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] sha256(byte[] b, int from, int to) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(b, from, to));
    }

    @Test
    void manifestHoldsTheSha256OfEveryChunkAndTheRootIsTheId() throws Exception {
        byte[] content = randomBytes(3 * CHUNK + 1000, 1);
        Path f = Files.write(dir.resolve("data.bin"), content);

        FileManifest m = FileHasher.hash(f, "data.bin", CHUNK);

        assertThat(m.size()).isEqualTo(content.length);
        assertThat(m.chunkCount()).isEqualTo(4);
        assertThat(m.chunkLength(3)).isEqualTo(1000);
        assertThat(m.chunkOffset(2)).isEqualTo(2L * CHUNK);
        for (int i = 0; i < 4; i++) {
            assertThat(m.chunkHash(i)).isEqualTo(sha256(content, i * CHUNK, Math.min(content.length, (i + 1) * CHUNK)));
        }
        MessageDigest root = MessageDigest.getInstance("SHA-256");
        root.update("nexo-file-v1\0".getBytes());
        root.update(ByteBuffer.allocate(12).putLong(content.length).putInt(CHUNK).array());
        for (int i = 0; i < 4; i++) {
            root.update(m.chunkHash(i));
        }
        assertThat(m.id()).isEqualTo(FileId.of(root.digest()));
    }

    /**
     * Golden vectors from the layout in docs/p2p-protocol.md, computed outside nexo (Python's hashlib:
     * {@code sha256(b"nexo-file-v1\0" + struct.pack(">QI", size, chunk) + b"".join(chunk hashes))}):
     * a change of domain string, byte order or field width breaks every id on the network, and this
     * test, even if the code and its own recomputation change together.
     */
    @Test
    void idsMatchGoldenVectorsComputedFromTheDocumentedLayout() throws Exception {
        byte[] content = new byte[2 * CHUNK + 5];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i % 251);
        }
        Path f = Files.write(dir.resolve("golden.bin"), content);
        assertThat(FileHasher.hash(f, "golden.bin", CHUNK).id().hex())
                .isEqualTo("d403936fa7529156d05957188943c481ca1b611032dda8b21ac015660b3a1639");
        // an empty file: no chunk hashes, the default chunk size of 1 MiB
        assertThat(FileHasher.hash(Files.write(dir.resolve("empty"), new byte[0])).id().hex())
                .isEqualTo("5ae9f61501a9c86d1f147d1aaba29119b0a90f87d911b95bc530aa9997531b4b");
        // the same root recomputed here with plain MessageDigest from the documented layout
        MessageDigest root = MessageDigest.getInstance("SHA-256");
        root.update("nexo-file-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        root.update((byte) 0);
        root.update(new byte[] {0, 0, 0, 0, 0, 0, (byte) 0x80, 5}); // size 32773, uint64 big-endian
        root.update(new byte[] {0, 0, 0x40, 0});                     // chunk size 16384, uint32 big-endian
        for (int from = 0; from < content.length; from += CHUNK) {
            root.update(sha256(content, from, Math.min(content.length, from + CHUNK)));
        }
        assertThat(java.util.HexFormat.of().formatHex(root.digest()))
                .isEqualTo("d403936fa7529156d05957188943c481ca1b611032dda8b21ac015660b3a1639");
    }

    @Test
    void sameBytesSameIdWhateverTheName_oneByteChangesIt() throws Exception {
        byte[] content = randomBytes(2 * CHUNK, 2);
        Path a = Files.write(dir.resolve("a.bin"), content);
        Path b = Files.write(dir.resolve("b.bin"), content);
        content[CHUNK + 5] ^= 1;
        Path c = Files.write(dir.resolve("c.bin"), content);

        FileManifest ma = FileHasher.hash(a, "a.bin", CHUNK);
        assertThat(FileHasher.hash(b, "b.bin", CHUNK).id()).isEqualTo(ma.id());
        FileManifest mc = FileHasher.hash(c, "c.bin", CHUNK);
        assertThat(mc.id()).isNotEqualTo(ma.id());
        assertThat(mc.chunkHash(0)).isEqualTo(ma.chunkHash(0));
        assertThat(FileHasher.matches(a, ma)).isTrue();
        assertThat(FileHasher.matches(c, ma)).isFalse();
    }

    @Test
    void emptyFileHasNoChunks() throws Exception {
        Path f = Files.write(dir.resolve("empty"), new byte[0]);
        FileManifest m = FileHasher.hash(f);
        assertThat(m.chunkCount()).isZero();
        assertThat(m.chunkSize()).isEqualTo(FileManifest.DEFAULT_CHUNK_SIZE);
        assertThat(FileHasher.matches(f, m)).isTrue();
    }

    @Test
    void verifiesChunksWithoutMovingTheBuffer() throws Exception {
        byte[] content = randomBytes(2 * CHUNK, 3);
        FileManifest m = FileHasher.hash(Files.write(dir.resolve("x"), content), "x", CHUNK);
        ByteBuffer chunk1 = ByteBuffer.wrap(content, CHUNK, CHUNK);
        assertThat(m.verifyChunk(1, chunk1)).isTrue();
        assertThat(chunk1.position()).isEqualTo(CHUNK);
        assertThat(m.verifyChunk(0, chunk1)).isFalse();
        assertThat(m.verifyChunk(1, ByteBuffer.wrap(content, CHUNK, CHUNK - 1))).isFalse();
    }

    @Test
    void receivedManifestMustHashToTheAnnouncedId() throws Exception {
        byte[] content = randomBytes(2 * CHUNK, 4);
        FileManifest m = FileHasher.hash(Files.write(dir.resolve("x"), content), "x", CHUNK);
        byte[] hashes = m.chunkHashes();

        assertThat(FileManifest.received(m.id(), "other-name", m.size(), CHUNK, hashes).id()).isEqualTo(m.id());
        hashes[0] ^= 1;
        assertThatThrownBy(() -> FileManifest.received(m.id(), "x", m.size(), CHUNK, hashes))
                .hasMessageContaining("not the announced id");
        assertThatThrownBy(() -> FileManifest.received(m.id(), "x", m.size() - 1, CHUNK, m.chunkHashes()))
                .hasMessageContaining("not the announced id");
        assertThatThrownBy(() -> FileManifest.received(m.id(), "x", m.size(), CHUNK * 2, m.chunkHashes()))
                .hasMessageContaining("chunk hashes: 64 bytes (expected: 32 for 1 chunks)");
        assertThatThrownBy(() -> FileManifest.received(m.id(), "a/../x", m.size(), CHUNK, m.chunkHashes()))
                .hasMessageContaining("path separator");
        assertThatThrownBy(() -> FileManifest.received(m.id(), "x", m.size(), 3000, m.chunkHashes()))
                .hasMessageContaining("chunk size: 3000 (expected: a power of two");
        assertThatThrownBy(() -> FileManifest.received(m.id(), "x", -1, CHUNK, m.chunkHashes()))
                .hasMessageContaining("size: -1");
    }
}
