package io.nexo.p2p.gossip;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayGuardTest {

    private static final String A = "a";
    private static final String B = "b";

    @Test
    void eachSeqnoIsAcceptedOnceAndOutOfOrderInsideTheWindow() {
        ReplayGuard g = new ReplayGuard(64, 16);
        assertThat(g.fresh(A, 100)).isTrue();
        g.accept(A, 100);
        assertThat(g.fresh(A, 100)).isFalse();
        assertThat(g.fresh(A, 99)).isTrue();
        g.accept(A, 103);
        assertThat(g.fresh(A, 101)).isTrue();
        assertThat(g.fresh(A, 103)).isFalse();
        g.accept(A, 101);
        assertThat(g.fresh(A, 101)).isFalse();
        assertThat(g.fresh(A, 100)).isFalse();
        assertThat(g.fresh(A, 102)).isTrue();
        assertThat(g.fresh(B, 100)).isTrue();
    }

    @Test
    void tooFarBehindIsRefusedAndAJumpClearsTheWindow() {
        ReplayGuard g = new ReplayGuard(64, 16);
        g.accept(A, 1000);
        assertThat(g.fresh(A, 1000 - 63)).isTrue();
        assertThat(g.fresh(A, 1000 - 64)).isFalse();
        g.accept(A, 1001);
        // 1001 and 1000 share no bit with 1001 + 64 * k - bits of passed seqnos are cleared on the way
        g.accept(A, 1001 + 64);
        assertThat(g.fresh(A, 1001 + 64)).isFalse();
        assertThat(g.fresh(A, 1001 + 1)).isTrue();
        assertThat(g.fresh(A, 1001)).isFalse();
        g.accept(A, 5000);
        assertThat(g.fresh(A, 5000 - 64 + 1)).isTrue();
        assertThat(g.fresh(A, 5000 - 1)).isTrue();
    }

    @Test
    void leastRecentlyHeardOriginIsForgottenBeyondCapacity() {
        ReplayGuard g = new ReplayGuard(64, 16);
        for (int i = 0; i < 16; i++) {
            g.accept("o" + i, 7);
        }
        g.fresh("o0", 8); // o0 heard again: o1 is now the eldest
        g.accept("o16", 7);
        assertThat(g.size()).isEqualTo(16);
        assertThat(g.fresh("o1", 7)).isTrue();
        assertThat(g.fresh("o0", 7)).isFalse();
        assertThat(g.fresh("o16", 7)).isFalse();
    }
}
