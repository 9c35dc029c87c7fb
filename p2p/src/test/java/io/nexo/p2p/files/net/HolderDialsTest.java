package io.nexo.p2p.files.net;

import io.nexo.core.net.HostAndPort;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class HolderDialsTest {

    private static final HostAndPort VICTIM = new HostAndPort("127.0.0.9", 443);
    private final AtomicLong now = new AtomicLong();
    private final HolderDials dials = new HolderDials(now::get, new Random(1));

    private void advanceSeconds(double s) {
        now.addAndGet((long) (s * TimeUnit.SECONDS.toNanos(1)));
    }

    @Test
    void aFailedAddressWaitsLongerAfterEachFailureWhicheverHolderNamesIt() {
        assertThat(dials.tryStart(VICTIM)).isNull();
        assertThat(dials.tryStart(VICTIM)).isEqualTo("a dial to " + VICTIM + " is in progress");
        dials.finished(VICTIM, false);
        // backoff after n failures: a random wait in [d/2, d], d = 2 s * 2^(n-1)
        assertThat(dials.tryStart(VICTIM)).startsWith("backing off " + VICTIM + " after 1 failed dial");
        advanceSeconds(2.01);
        assertThat(dials.tryStart(VICTIM)).isNull();
        dials.finished(VICTIM, false);
        advanceSeconds(1.99);
        assertThat(dials.tryStart(VICTIM)).startsWith("backing off " + VICTIM + " after 2 failed dial");
        advanceSeconds(2.02);
        assertThat(dials.tryStart(VICTIM)).isNull();
        dials.finished(VICTIM, false);
        advanceSeconds(3.99);
        assertThat(dials.tryStart(VICTIM)).startsWith("backing off " + VICTIM + " after 3 failed dial");
        advanceSeconds(4.02);
        assertThat(dials.tryStart(VICTIM)).isNull();
        dials.finished(VICTIM, true);
        assertThat(dials.tryStart(VICTIM)).isNull(); // a success forgets the failures
    }

    @Test
    void atMostEightDialsRunAtOnce() {
        for (int i = 0; i < HolderDials.MAX_IN_FLIGHT; i++) {
            assertThat(dials.tryStart(new HostAndPort("127.0.0.1", 1000 + i))).isNull();
        }
        assertThat(dials.tryStart(new HostAndPort("127.0.0.1", 2000))).isEqualTo("8 holder dials in progress");
        dials.finished(new HostAndPort("127.0.0.1", 1000), true);
        assertThat(dials.tryStart(new HostAndPort("127.0.0.1", 2000))).isNull();
    }
}
