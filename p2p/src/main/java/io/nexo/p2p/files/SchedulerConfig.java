package io.nexo.p2p.files;

import java.time.Duration;
import java.util.Objects;

/**
 * How a download spreads its requests over peers.
 *
 * @param maxInFlightPerPeer chunks requested from one peer and not yet received; with 1 MiB chunks
 *                           4 in flight keep a 1 Gbit/s, 10 ms path full (bandwidth-delay product
 *                           1.25 MB) while a slow peer holds at most 4 MiB hostage
 * @param endgameCopies      in the endgame (every missing chunk already requested), how many peers
 *                           may be asked for the same chunk at once; the first answer cancels the
 *                           others
 * @param requestTimeout     a request older than this is given up and the chunk asked elsewhere
 * @param maxTimeouts        a peer that lets this many requests time out is dropped from the download
 */
public record SchedulerConfig(int maxInFlightPerPeer, int endgameCopies, Duration requestTimeout, int maxTimeouts) {

    public static final int DEFAULT_MAX_IN_FLIGHT_PER_PEER = 4;
    public static final int DEFAULT_ENDGAME_COPIES = 2;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_TIMEOUTS = 3;

    public static final SchedulerConfig DEFAULTS = new SchedulerConfig(DEFAULT_MAX_IN_FLIGHT_PER_PEER,
            DEFAULT_ENDGAME_COPIES, DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_TIMEOUTS);

    public SchedulerConfig {
        if (maxInFlightPerPeer < 1 || maxInFlightPerPeer > 1024) {
            throw new IllegalArgumentException("max in flight per peer: " + maxInFlightPerPeer + " (expected: 1-1024)");
        }
        if (endgameCopies < 1 || endgameCopies > 16) {
            throw new IllegalArgumentException("endgame copies: " + endgameCopies + " (expected: 1-16)");
        }
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout: " + requestTimeout + " (expected: > 0)");
        }
        if (maxTimeouts < 1) {
            throw new IllegalArgumentException("max timeouts: " + maxTimeouts + " (expected: >= 1)");
        }
    }
}
