package io.nexo.p2p.files;

import static io.nexo.p2p.files.FileHasherTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShareRegistryTest {

    @TempDir
    Path dir;

    private final ShareRegistry registry = new ShareRegistry();

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void sharesAFileWithoutCopyingItAndServesItsChunksByIndex() throws Exception {
        byte[] content = randomBytes(FileManifest.DEFAULT_CHUNK_SIZE * 2 + 123, 7);
        Path f = Files.write(dir.resolve("movie.mkv"), content);

        List<SharedFile> shared = registry.share(f);

        assertThat(shared).hasSize(1);
        SharedFile s = shared.get(0);
        assertThat(s.path()).isEqualTo(f.toAbsolutePath());
        assertThat(s.manifest().name()).isEqualTo("movie.mkv");
        assertThat(s.manifest().chunkCount()).isEqualTo(3);
        ChunkSource src = registry.source(s.manifest().id()).orElseThrow();
        for (int i = 0; i < 3; i++) {
            ByteBuffer buf = ByteBuffer.allocate(FileManifest.DEFAULT_CHUNK_SIZE);
            src.read(i, buf);
            buf.flip();
            int from = i * FileManifest.DEFAULT_CHUNK_SIZE;
            int to = Math.min(content.length, from + FileManifest.DEFAULT_CHUNK_SIZE);
            byte[] got = new byte[buf.remaining()];
            buf.get(got);
            assertThat(got).isEqualTo(Arrays.copyOfRange(content, from, to));
        }
        ChunkSource.Slice last = src.slice(2);
        assertThat(last.offset()).isEqualTo(2L * FileManifest.DEFAULT_CHUNK_SIZE);
        assertThat(last.length()).isEqualTo(123);
        assertThatThrownBy(() -> src.slice(3)).hasMessageContaining("out of range");
    }

    @Test
    void sharingADirectorySharesEveryRegularFileBelowIt() throws Exception {
        Files.write(dir.resolve("a.txt"), "alpha".getBytes());
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/b.txt"), "beta".getBytes());
        Files.write(dir.resolve(".hidden"), "secret".getBytes());
        Files.createDirectories(dir.resolve(".git"));
        Files.write(dir.resolve(".git/config"), "secret".getBytes());
        Files.write(dir.resolve("c.bin.0123456789ab" + PartialFile.PART_SUFFIX), "partial".getBytes());

        List<SharedFile> shared = registry.share(dir);

        assertThat(shared).extracting(s -> s.manifest().name()).containsExactly("a.txt", "b.txt");
        assertThat(registry.sources()).hasSize(2);
    }

    @Test
    void onlySharedIdsCanBeReadAndUnshareStopsServing() throws Exception {
        Path f = Files.write(dir.resolve("x"), "hello".getBytes());
        FileId id = registry.share(f).get(0).manifest().id();
        FileId other = FileHasher.hash(Files.write(dir.resolve("y"), "not shared".getBytes())).id();

        assertThat(registry.source(other)).isEmpty();
        assertThat(registry.unshare(id)).isTrue();
        assertThat(registry.source(id)).isEmpty();
        assertThat(registry.unshare(id)).isFalse();
    }

    @Test
    void aFileChangedAfterSharingIsNoLongerServed() throws Exception {
        Path f = Files.write(dir.resolve("x"), randomBytes(5000, 1));
        ChunkSource src = registry.share(f).get(0);
        assertThat(src.slice(0).length()).isEqualTo(5000);

        Files.write(f, randomBytes(5000, 2));
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5000));

        assertThatThrownBy(() -> src.slice(0)).isInstanceOf(SharedFile.FileChangedException.class)
                .hasMessageContaining("share it again");
    }

    @Test
    void missingPathIsAClearError() {
        assertThatThrownBy(() -> registry.share(dir.resolve("nope"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("nothing to share");
    }

    @Test
    void sameContentTwiceIsOneSource() throws Exception {
        Files.write(dir.resolve("one"), "same".getBytes());
        Files.write(dir.resolve("two"), "same".getBytes());
        List<SharedFile> shared = registry.share(dir);
        assertThat(shared).hasSize(2);
        assertThat(shared.get(0)).isSameAs(shared.get(1));
        assertThat(registry.sources()).hasSize(1);
    }
}
