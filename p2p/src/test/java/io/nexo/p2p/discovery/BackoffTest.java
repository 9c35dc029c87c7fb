package io.nexo.p2p.discovery;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));

    @Test
    void doublesUpToTheCapWithEqualJitter() {
        Random random = new Random(42);
        long[] caps = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
        for (int failures = 1; failures <= caps.length; failures++) {
            long cap = caps[failures - 1];
            for (int i = 0; i < 200; i++) {
                long d = backoff.delay(failures, random).toMillis();
                assertThat(d).as("failures=%d", failures).isBetween(cap / 2, cap);
            }
        }
        assertThat(backoff.delay(0, random)).isZero();
        assertThat(backoff.delay(1000, random).toMillis()).isBetween(30_000L, 60_000L);
    }

    @Test
    void jitterSpreadsRetries() {
        Random random = new Random(1);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 200; i++) {
            long d = backoff.delay(4, random).toMillis();
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(max - min).isGreaterThan(3000);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessage("backoff base: PT0S (expected: > 0)");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("backoff max: PT1S (expected: >= base PT2S)");
    }
}
