package io.nexo.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw TCP copy: the sink counts exactly the bytes sent, and a file arrives byte for byte. */
class RawTcpCopyTest {

    private static final int B = RawTcpCopy.BUFFER_SIZE;

    /** Sizes around the 1 MiB buffer: empty, one byte, one buffer less/more one byte, several plus a tail. */
    @ParameterizedTest
    @ValueSource(longs = {0, 1, B - 1, B, B + 1, 8L * B + 12345})
    void theSinkReceivesExactlyTheRequestedBytes(long size) throws Exception {
        assertThat(RawTcpCopy.run(size, 60).bytes()).isEqualTo(size);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, B - 1, B, B + 1, 3 * B + 777})
    void aFileArrivesWithTheSameSha256(int size, @TempDir Path dir) throws Exception {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        Path source = Files.write(dir.resolve("source.bin"), content);
        Path sink = dir.resolve("sink.bin");

        RawTcpCopy.Result r = RawTcpCopy.runFiles(source, sink, 60);

        assertThat(r.bytes()).isEqualTo(size);
        assertThat(Files.size(sink)).isEqualTo(size);
        assertThat(sha256(sink)).isEqualTo(sha256(source));
    }

    @Test
    void anExistingSinkIsNeverOverwritten(@TempDir Path dir) throws Exception {
        Path source = Files.write(dir.resolve("source.bin"), new byte[] {1, 2, 3});
        Path sink = Files.write(dir.resolve("sink.bin"), new byte[] {9});
        assertThatThrownBy(() -> RawTcpCopy.runFiles(source, sink, 60)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(sink)).containsExactly(9);
    }

    @Test
    void rateIsBytesOverTime() {
        assertThat(new RawTcpCopy.Result(3_000, 2_000_000_000L).bytesPerSecond()).isEqualTo(1_500.0);
        assertThat(new RawTcpCopy.Result(3_000, 0).bytesPerSecond()).isZero();
    }

    @Test
    void rejectsNegativeSizes() {
        assertThatThrownBy(() -> RawTcpCopy.run(-1, 1)).hasMessage("size: -1 (expected: >= 0)");
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
