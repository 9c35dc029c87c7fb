package io.nexo.lb.config;

import io.nexo.core.config.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Active health checks of a pool, with HAProxy's defaults: a check of each backend every
 * {@code interval}; {@code rise} successes in a row mark a down backend up, {@code fall} failures
 * mark it down.
 *
 * @param enabled  false = only passive checks (connect failures of real traffic)
 * @param timeout  how long one check may take, from connect to answer
 * @param protocol what a check exchanges after connecting: nothing (TCP), send/expect or HTTP
 */
public record HealthCheckConfig(boolean enabled, Duration interval, Duration timeout, int rise, int fall,
                                CheckProtocol protocol) {

    public static final HealthCheckConfig DEFAULT =
            new HealthCheckConfig(true, Duration.ofSeconds(2), Duration.ofSeconds(2), 2, 3);

    /** A plain TCP check. */
    public HealthCheckConfig(boolean enabled, Duration interval, Duration timeout, int rise, int fall) {
        this(enabled, interval, timeout, rise, fall, CheckProtocol.TCP);
    }

    public HealthCheckConfig {
        Objects.requireNonNull(protocol, "protocol");
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

    public HealthCheckConfig withProtocol(CheckProtocol value) {
        return new HealthCheckConfig(enabled, interval, timeout, rise, fall, value);
    }
}
