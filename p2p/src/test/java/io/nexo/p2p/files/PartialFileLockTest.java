package io.nexo.p2p.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.nexo.p2p.files.FileHasherTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two processes (two nodes with their own data dirs) downloading the same file into one downloads
 * folder: the second is refused, and the first's part file keeps the chunk it wrote.
 */
class PartialFileLockTest {

    private static final int CHUNK = FileManifest.MIN_CHUNK_SIZE;

    @TempDir
    Path tmp;

    /** The other process: starts the download with its own state folder, writes chunk 0, holds it until stdin closes. */
    public static void main(String[] args) throws Exception {
        Path src = Path.of(args[0]);
        FileManifest m = FileHasher.hash(src, "video.bin", CHUNK);
        byte[] content = Files.readAllBytes(src);
        try (PartialFile p = PartialFile.open(Path.of(args[1]), m, Path.of(args[2]), ChannelOpener.DEFAULT)) {
            p.write(0, ByteBuffer.wrap(content, 0, CHUNK));
            System.out.println("holding");
            System.out.flush();
            System.in.read();
        }
    }

    @Test
    void aSecondProcessCannotTruncateAPartFileInUse() throws Exception {
        byte[] content = randomBytes(3 * CHUNK, 5);
        Path src = Files.write(tmp.resolve("source.bin"), content);
        FileManifest manifest = FileHasher.hash(src, "video.bin", CHUNK);
        Path target = tmp.resolve("downloads/video.bin");
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PartialFileLockTest.class.getName(),
                src.toString(), tmp.resolve("other-data").toString(), target.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("holding");
            Path part = PartialFile.partPathFor(target.toAbsolutePath(), manifest.id());
            assertThat(Files.size(part)).isEqualTo(CHUNK);

            assertThatThrownBy(() -> PartialFile.open(tmp.resolve("my-data"), manifest, target, ChannelOpener.DEFAULT))
                    .isInstanceOf(IOException.class).hasMessageContaining("being downloaded by another nexo process");
            assertThat(Files.size(part)).isEqualTo(CHUNK);
            assertThat(Files.readAllBytes(part)).isEqualTo(java.util.Arrays.copyOf(content, CHUNK));
        } finally {
            other.getOutputStream().close();
            assertThat(other.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        // once the other process has stopped, this one may take the download over
        try (PartialFile mine = PartialFile.open(tmp.resolve("my-data"), manifest, target, ChannelOpener.DEFAULT)) {
            assertThat(mine.bytesHeld()).isZero();
        }
    }
}
