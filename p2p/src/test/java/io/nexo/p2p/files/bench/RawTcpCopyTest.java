package io.nexo.p2p.files.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawTcpCopyTest {

    @Test
    void copiesExactlyTheRequestedBytesOverLoopback() throws Exception {
        long size = 8L * RawTcpCopy.BUFFER_SIZE + 12345;
        RawTcpCopy.Result r = RawTcpCopy.run(size, 60);
        assertThat(r.bytes()).isEqualTo(size);
        assertThat(r.nanos()).isPositive();
        assertThat(r.bytesPerSecond()).isPositive();
    }

    @Test
    void copiesAFileIntoANewFileOverLoopback(@TempDir Path dir) throws Exception {
        byte[] content = new byte[3 * RawTcpCopy.BUFFER_SIZE + 777];
        new Random(7).nextBytes(content);
        Path source = Files.write(dir.resolve("source.bin"), content);
        Path sink = dir.resolve("sink.bin");

        RawTcpCopy.Result r = RawTcpCopy.runFiles(source, sink, 60);

        assertThat(r.bytes()).isEqualTo(content.length);
        assertThat(Files.readAllBytes(sink)).isEqualTo(content);
        assertThatThrownBy(() -> RawTcpCopy.runFiles(source, sink, 60)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void rejectsNegativeSizes() {
        assertThatThrownBy(() -> RawTcpCopy.run(-1, 1)).hasMessage("size: -1 (expected: >= 0)");
    }
}
