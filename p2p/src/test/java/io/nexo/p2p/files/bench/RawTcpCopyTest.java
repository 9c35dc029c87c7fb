package io.nexo.p2p.files.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

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
    void rejectsNegativeSizes() {
        assertThatThrownBy(() -> RawTcpCopy.run(-1, 1)).hasMessage("size: -1 (expected: >= 0)");
    }
}
