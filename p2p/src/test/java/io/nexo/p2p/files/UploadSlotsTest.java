package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UploadSlotsTest {

    @Test
    void boundsUploadsInTotalAndPerPeer() {
        UploadSlots<String> slots = new UploadSlots<>(3, 2);
        assertThat(slots.tryAcquire("a")).isTrue();
        assertThat(slots.tryAcquire("a")).isTrue();
        assertThat(slots.tryAcquire("a")).isFalse(); // per-peer limit
        assertThat(slots.tryAcquire("b")).isTrue();
        assertThat(slots.tryAcquire("c")).isFalse(); // total limit
        assertThat(slots.inUse()).isEqualTo(3);

        slots.release("a");
        assertThat(slots.tryAcquire("c")).isTrue();
        assertThat(slots.inUse("a")).isEqualTo(1);
        assertThatThrownBy(() -> slots.release("zzz")).hasMessageContaining("no upload slot held by zzz");
    }

    @Test
    void validatesLimits() {
        assertThatThrownBy(() -> new UploadSlots<>(0, 1)).hasMessage("max uploads: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new UploadSlots<>(2, 3)).hasMessage("max uploads per peer: 3 (expected: 1-2)");
    }
}
