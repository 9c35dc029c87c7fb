package io.nexo.lb.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Active TCP health checks of a pool, with HAProxy's defaults: a connect every {@code interval};
 * {@code rise} successes in a row mark a down backend up, {@code fall} failures mark it down.
 *
 * @param enabled  false = only passive checks (connect failures of real traffic)
 * @param timeout  how long one check's connect may take
 */
public record HealthCheckConfig(boolean enabled, Duration interval, Duration timeout, int rise, int fall) {

    public static final HealthCheckConfig DEFAULT =
            new HealthCheckConfig(true, Duration.ofSeconds(2), Duration.ofSeconds(2), 2, 3);

    public HealthCheckConfig {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        if (interval.toMillis() < 10) {
            throw new IllegalArgumentException("interval: " + Durations.format(interval) + " (expected: >= 10ms)");
        }
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeout: " + Durations.format(timeout) + " (expected: >= 1ms)");
        }
        if (rise < 1 || rise > 100) {
            throw new IllegalArgumentException("rise: " + rise + " (expected: 1-100)");
        }
        if (fall < 1 || fall > 100) {
            throw new IllegalArgumentException("fall: " + fall + " (expected: 1-100)");
        }
    }
}
