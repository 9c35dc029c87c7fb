package io.nexo.p2p.relay;

import io.netty.buffer.ByteBuf;

/**
 * Sees every buffer a relay forwards, before it is written on (read-only; tests use it to prove the
 * relay only ever carried TLS records). The default sees nothing.
 */
@FunctionalInterface
public interface CircuitTap {

    CircuitTap NONE = data -> { };

    /** {@code data}'s readable bytes are about to be forwarded; do not change or release it. */
    void forwarded(ByteBuf data);
}
