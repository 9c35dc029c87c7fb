package io.nexo.lb.upgrade;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a balancer takes part in an upgrade: the UNIX socket it exposes its listening sockets on
 * ({@code --handover-socket}), and the one of the old process it takes them over from
 * ({@code --takeover}). Both may be the same path: the new process binds it once the old one has let go.
 *
 * @param exposeOn where to serve the listeners to a successor, or empty
 * @param takeOverFrom the old process's hand-over socket, or empty
 * @param timeout how long one exchange with the other process may take
 */
public record HandoverConfig(Optional<Path> exposeOn, Optional<Path> takeOverFrom, Duration timeout) {

    /** The longest path a Linux {@code sockaddr_un} holds (108 bytes with the terminating NUL). */
    public static final int MAX_PATH_BYTES = 107;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final HandoverConfig NONE = new HandoverConfig(Optional.empty(), Optional.empty(), DEFAULT_TIMEOUT);

    public HandoverConfig {
        Objects.requireNonNull(exposeOn, "exposeOn");
        Objects.requireNonNull(takeOverFrom, "takeOverFrom");
        exposeOn.ifPresent(p -> checkPath("handover-socket", p));
        takeOverFrom.ifPresent(p -> checkPath("takeover", p));
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("handover timeout: " + timeout + " (expected: > 0 and <= 5m)");
        }
    }

    /** True when either side of the hand-over is asked for. */
    public boolean enabled() {
        return exposeOn.isPresent() || takeOverFrom.isPresent();
    }

    private static void checkPath(String key, Path path) {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_PATH_BYTES) {
            throw new IllegalArgumentException(key + ": " + path + " is " + bytes + " bytes (expected: 1-"
                    + MAX_PATH_BYTES + ", the UNIX socket path limit)");
        }
    }
}
