package io.nexo.cli.peer;

import io.nexo.cli.UsageException;

import java.time.Duration;

/** Range checks of {@code nexo peer}'s numeric flags: a bad value is a usage error naming the flag. */
final class FlagChecks {

    private FlagChecks() {
    }

    static long atLeast(String flag, long v, long min) {
        if (v < min) {
            throw new UsageException(flag + ": " + v + " (expected: >= " + min + ")");
        }
        return v;
    }

    static int positive(String flag, int v) {
        if (v <= 0) {
            throw new UsageException(flag + ": " + v + " (expected: > 0)");
        }
        return v;
    }

    static Duration positive(String flag, Duration d) {
        if (d.isZero()) {
            throw new UsageException(flag + ": 0 (expected: > 0, e.g. 10s)");
        }
        return d;
    }
}
