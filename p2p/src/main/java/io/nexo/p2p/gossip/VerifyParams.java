package io.nexo.p2p.gossip;

import java.time.Duration;
import java.util.Objects;

/**
 * How strictly signed broadcasts are checked ({@link GossipVerifier}), every value in one place.
 *
 * @param maxAge            a message whose origin time is older than this is refused (a replay of
 *                          an origin the {@link ReplayGuard} forgot is refused by this bound)
 * @param maxFutureSkew     a message dated further in the future than this is refused
 * @param replayWindow      seqnos remembered below an origin's highest (a multiple of 64): a
 *                          message that many behind its origin's newest is refused
 * @param originCapacity    origins whose replay window is remembered at once (their keys are
 *                          cached per process: {@link io.nexo.p2p.identity.VerifyingKeys})
 * @param maxForgeries      a neighbour that sends this many forged messages (bad signature, key or
 *                          id) loses its session: an honest relay verifies before it forwards, so a
 *                          relay of forgeries is treated as their author
 */
public record VerifyParams(Duration maxAge, Duration maxFutureSkew, int replayWindow, int originCapacity,
                           int maxForgeries) {

    public VerifyParams {
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        if (maxAge.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: >= 1s)");
        }
        if (maxFutureSkew.isNegative()) {
            throw new IllegalArgumentException("maxFutureSkew: " + maxFutureSkew + " (expected: >= 0)");
        }
        if (replayWindow < 64 || replayWindow > 65_536 || replayWindow % 64 != 0) {
            throw new IllegalArgumentException("replayWindow: " + replayWindow + " (expected: a multiple of 64, 64-65536)");
        }
        if (originCapacity < 16) {
            throw new IllegalArgumentException("originCapacity: " + originCapacity + " (expected: >= 16)");
        }
        if (maxForgeries < 1) {
            throw new IllegalArgumentException("maxForgeries: " + maxForgeries + " (expected: >= 1)");
        }
    }

    public static VerifyParams defaults() {
        return new VerifyParams(Duration.ofMinutes(5), Duration.ofMinutes(1), 512, 10_000, 3);
    }
}
