package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UploadSlotsTest {

    @Test
    void boundsUploadsInTotalAndPerPeer() {
        UploadSlots<String> slots = new UploadSlots<>(3, 2);
        UploadSlots.Lease<String> a1 = slots.tryAcquire("a");
        assertThat(a1).isNotNull();
        assertThat(slots.tryAcquire("a")).isNotNull();
        assertThat(slots.tryAcquire("a")).isNull(); // per-peer limit
        assertThat(slots.tryAcquire("b")).isNotNull();
        assertThat(slots.tryAcquire("c")).isNull(); // total limit
        assertThat(slots.inUse()).isEqualTo(3);

        assertThat(slots.release(a1)).isTrue();
        assertThat(slots.release(a1)).isFalse(); // once only: the write and the timeout may both try
        assertThat(slots.inUse()).isEqualTo(2);
        assertThat(slots.tryAcquire("c")).isNotNull();
        assertThat(slots.inUse("a")).isEqualTo(1);
    }

    @Test
    void aLeaseIsOverdueOnlyOnceItsWriteHasRunForTheTimeout() {
        UploadSlots<String> slots = new UploadSlots<>(4, 2);
        UploadSlots.Lease<String> waiting = slots.tryAcquire("a"); // waits for the rate cap: never overdue
        UploadSlots.Lease<String> early = slots.tryAcquire("a");
        UploadSlots.Lease<String> late = slots.tryAcquire("b");
        slots.writing(early, 100);
        slots.writing(late, 150);

        assertThat(slots.overdue(149, 50)).isEmpty();
        assertThat(slots.overdue(150, 50)).containsExactly(early);
        assertThat(slots.overdue(200, 50)).containsExactly(early, late);
        slots.release(early);
        assertThat(slots.overdue(1_000, 50)).containsExactly(late);
        assertThat(slots.inUse()).isEqualTo(2);
        assertThat(waiting.peer()).isEqualTo("a");
    }

    @Test
    void aPeerThatTakesDataKeepsAllItsUploadsAlive() {
        UploadSlots<String> slots = new UploadSlots<>(4, 2);
        UploadSlots.Lease<String> first = slots.tryAcquire("a");
        UploadSlots.Lease<String> queued = slots.tryAcquire("a"); // waits behind the first on the connection
        UploadSlots.Lease<String> other = slots.tryAcquire("b");
        slots.writing(first, 0);
        slots.writing(queued, 0);
        slots.writing(other, 0);

        slots.progressed("a", 40); // a block of the first chunk was taken
        assertThat(slots.overdue(50, 50)).containsExactly(other);
        assertThat(slots.overdue(90, 50)).containsExactly(first, queued, other);
    }

    @Test
    void validatesLimits() {
        assertThatThrownBy(() -> new UploadSlots<>(0, 1)).hasMessage("max uploads: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new UploadSlots<>(2, 3)).hasMessage("max uploads per peer: 3 (expected: 1-2)");
    }
}
