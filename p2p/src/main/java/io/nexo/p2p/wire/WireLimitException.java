package io.nexo.p2p.wire;

import io.netty.handler.codec.CorruptedFrameException;

/** An envelope that parsed but breaks a {@link WireLimits} bound: the session that sent it is closed. */
public final class WireLimitException extends CorruptedFrameException {

    private final WireViolation violation;

    public WireLimitException(WireViolation violation, String message) {
        super(message);
        this.violation = violation;
    }

    public WireViolation violation() {
        return violation;
    }
}
