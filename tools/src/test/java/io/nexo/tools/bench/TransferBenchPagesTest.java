package io.nexo.tools.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --warm-pages}: the scratch file is written whole and gone afterwards. */
class TransferBenchPagesTest {

    @Test
    void writesTheWholeSizeAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        long size = (3L << 20) + 5; // not a whole number of the 1 MiB blocks it writes in
        Path scratch = dir.resolve("page-warm.bin");

        assertThat(TransferBench.writeAndDelete(scratch, size)).isEqualTo(size);
        assertThat(scratch).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }
}
