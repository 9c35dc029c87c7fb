package io.nexo.p2p.files;

import static io.nexo.p2p.files.FileHasherTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialFileTest {

    private static final int CHUNK = FileManifest.MIN_CHUNK_SIZE;

    @TempDir
    Path tmp;

    private byte[] content;
    private FileManifest manifest;
    private Path stateDir;
    private Path downloads;

    @BeforeEach
    void setUp() throws IOException {
        content = randomBytes(4 * CHUNK + 77, 11);
        Path src = Files.write(tmp.resolve("source.bin"), content);
        manifest = FileHasher.hash(src, "video.bin", CHUNK);
        stateDir = tmp.resolve("data/downloads");
        downloads = tmp.resolve("downloads");
    }

    private ByteBuffer chunk(int i) {
        int from = i * CHUNK;
        return ByteBuffer.wrap(content, from, Math.min(CHUNK, content.length - from));
    }

    private PartialFile open() throws IOException {
        return PartialFile.open(stateDir, manifest, downloads.resolve(manifest.name()), ChannelOpener.DEFAULT);
    }

    @Test
    void verifiesEachChunkAndRenamesOnlyWhenCompleteAndCorrect() throws Exception {
        PartialFile part = open();
        Path target = downloads.resolve("video.bin");
        assertThat(part.partPath().getFileName().toString())
                .isEqualTo("video.bin." + manifest.id().shortForm() + PartialFile.PART_SUFFIX);

        ByteBuffer bad = ByteBuffer.wrap(content.clone(), CHUNK, CHUNK);
        bad.array()[CHUNK + 3] ^= 0x40;
        assertThat(part.write(1, bad)).isEqualTo(PartialFile.WriteResult.CORRUPT);
        assertThat(part.hasChunk(1)).isFalse();

        for (int i = manifest.chunkCount() - 1; i >= 0; i--) {
            assertThat(Files.exists(target)).isFalse();
            assertThat(part.write(i, chunk(i))).isEqualTo(PartialFile.WriteResult.STORED);
        }
        assertThat(part.write(2, chunk(2))).isEqualTo(PartialFile.WriteResult.DUPLICATE);
        assertThat(part.isComplete()).isTrue();
        assertThat(part.bytesHeld()).isEqualTo(content.length);

        Path done = part.finish();

        assertThat(done).isEqualTo(target.toAbsolutePath());
        assertThat(Files.readAllBytes(done)).isEqualTo(content);
        assertThat(Files.exists(part.partPath())).isFalse();
        assertThat(PartialFile.stateFiles(stateDir)).isEmpty();
    }

    @Test
    void aChunkArrivingAfterTheDownloadEndedIsIgnoredNotAnError() throws Exception {
        // the verifier pool hashes chunks on several threads: an endgame duplicate can reach write()
        // after another thread finished the file, or after a pause closed it
        PartialFile part = open();
        for (int i = 0; i < manifest.chunkCount(); i++) {
            part.write(i, chunk(i));
        }
        Path done = part.finish();
        assertThat(part.write(2, chunk(2))).isEqualTo(PartialFile.WriteResult.CLOSED);
        assertThat(Files.readAllBytes(done)).isEqualTo(content);

        PartialFile paused = open();
        paused.write(0, chunk(0));
        paused.close();
        assertThat(paused.write(1, chunk(1))).isEqualTo(PartialFile.WriteResult.CLOSED);
        assertThat(paused.hasChunk(1)).isFalse();
    }

    @Test
    void servesTheChunksItHolds() throws Exception {
        try (PartialFile part = open()) {
            part.write(3, chunk(3));
            assertThat(part.hasChunk(3)).isTrue();
            assertThat(part.hasChunk(0)).isFalse();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            part.read(3, buf);
            assertThat(buf.flip()).isEqualTo(chunk(3));
            assertThatThrownBy(() -> part.slice(0)).hasMessageContaining("not held yet");
        }
    }

    @Test
    void resumesFromTheStateFileAfterARestart() throws Exception {
        PartialFile first = open();
        first.write(0, chunk(0));
        first.write(3, chunk(3));
        first.close();

        assertThat(PartialFile.stateFiles(stateDir)).containsExactly(PartialFile.stateFile(stateDir, manifest.id()));
        PartialFile resumed = PartialFile.resume(PartialFile.stateFiles(stateDir).get(0), ChannelOpener.DEFAULT);
        assertThat(resumed.manifest().id()).isEqualTo(manifest.id());
        assertThat(resumed.held().stream().toArray()).containsExactly(0, 3);
        resumed.close();

        PartialFile again = open(); // a new /get of the same id finds the same state
        assertThat(again.held().stream().toArray()).containsExactly(0, 3);
        for (int i : new int[] {1, 2, 4}) {
            again.write(i, chunk(i));
        }
        assertThat(Files.readAllBytes(again.finish())).isEqualTo(content);
    }

    @Test
    void startsOverWhenThePartFileIsGone() throws Exception {
        PartialFile first = open();
        first.write(1, chunk(1));
        first.close();
        Files.delete(first.partPath());

        try (PartialFile again = open()) {
            assertThat(again.held().isEmpty()).isTrue();
        }
    }

    @Test
    void neverOverwritesAnExistingTarget() throws Exception {
        Files.createDirectories(downloads);
        Files.write(downloads.resolve("video.bin"), "mine".getBytes());
        Files.write(downloads.resolve("video (1).bin"), "mine too".getBytes());
        PartialFile part = open();
        for (int i = 0; i < manifest.chunkCount(); i++) {
            part.write(i, chunk(i));
        }
        Path done = part.finish();
        assertThat(done.getFileName().toString()).isEqualTo("video (2).bin");
        assertThat(Files.readString(downloads.resolve("video.bin"))).isEqualTo("mine");
    }

    @Test
    void aResumeHashesTheHeldChunksFromDiskAndDropsThoseThatChanged() throws Exception {
        PartialFile first = open();
        for (int i : new int[] {0, 2, 3}) {
            first.write(i, chunk(i));
        }
        first.close();
        try (FileChannel ch = FileChannel.open(first.partPath(), java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 2L * CHUNK + 10); // bit rot while stopped
        }

        PartialFile resumed = open();
        assertThat(resumed.held().stream().toArray()).containsExactly(0, 3);
        resumed.close();
        try (PartialFile again = open()) { // the state file was corrected, not just the memory
            assertThat(again.held().stream().toArray()).containsExactly(0, 3);
            for (int i : new int[] {1, 2, 4}) {
                assertThat(again.write(i, chunk(i))).isEqualTo(PartialFile.WriteResult.STORED);
            }
            assertThat(Files.readAllBytes(again.finish())).isEqualTo(content);
        }
    }

    @Test
    void theFinalCheckDoesNotReadTheFileBackButChecksItsLength() throws Exception {
        PartialFile part = open();
        for (int i = 0; i < manifest.chunkCount(); i++) {
            part.write(i, chunk(i));
        }
        try (FileChannel ch = FileChannel.open(part.partPath(), java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(3L * CHUNK + 5); // another program cut the file: chunks 3 and 4 are gone
        }
        assertThatThrownBy(part::finish).hasMessageContaining("chunks [3, 4] are not in the part file as verified");
        assertThat(part.held().stream().toArray()).containsExactly(0, 1, 2);
        assertThat(Files.exists(downloads.resolve("video.bin"))).isFalse();

        part.write(3, chunk(3));
        part.write(4, chunk(4));
        assertThat(Files.readAllBytes(part.finish())).isEqualTo(content);
    }

    @Test
    void theFinalCheckTrimsBytesWrittenPastTheEnd() throws Exception {
        PartialFile part = open();
        for (int i = 0; i < manifest.chunkCount(); i++) {
            part.write(i, chunk(i));
        }
        try (FileChannel ch = FileChannel.open(part.partPath(), java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {9, 9}), content.length);
        }
        assertThat(Files.readAllBytes(part.finish())).isEqualTo(content);
    }

    @Test
    void diskFullIsAClearErrorAndKeepsTheVerifiedChunks() throws Exception {
        AtomicLong budget = new AtomicLong(Long.MAX_VALUE);
        ChannelOpener filling = (path, options) -> new DiskFullChannel(FileChannel.open(path, options), budget);
        PartialFile part = PartialFile.open(stateDir, manifest, downloads.resolve("video.bin"), filling);
        part.write(0, chunk(0));
        budget.set(CHUNK / 2); // half a chunk of space left

        assertThatThrownBy(() -> part.write(1, chunk(1)))
                .isInstanceOf(DiskFullException.class)
                .hasMessageContaining("disk full writing chunk 1 of video.bin")
                .hasMessageContaining("verified chunks are kept");
        part.close();

        try (PartialFile resumed = open()) {
            assertThat(resumed.held().stream().toArray()).containsExactly(0);
        }
    }

    @Test
    void refusesToStartWithoutRoomForTheFile() throws Exception {
        FileManifest huge = FileManifest.of("huge.iso", FileManifest.MAX_SIZE, FileManifest.MAX_CHUNK_SIZE,
                new byte[(int) (FileManifest.MAX_SIZE / FileManifest.MAX_CHUNK_SIZE) * 32]);
        assertThatThrownBy(() -> PartialFile.open(stateDir, huge, downloads.resolve("huge.iso"), ChannelOpener.DEFAULT))
                .isInstanceOf(DiskFullException.class)
                .hasMessageContaining("not enough space for huge.iso");
    }

    @Test
    void unreadableStateIsReportedWithItsPath() throws Exception {
        Files.createDirectories(stateDir);
        Path junk = Files.write(stateDir.resolve("junk.state"), "garbage".getBytes());
        assertThatThrownBy(() -> PartialFile.resume(junk, ChannelOpener.DEFAULT))
                .hasMessageContaining("unreadable download state " + junk);
    }
}
