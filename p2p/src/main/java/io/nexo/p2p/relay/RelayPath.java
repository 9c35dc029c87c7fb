package io.nexo.p2p.relay;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/** Marks a peer connection that runs through a relay (the TLS session inside a circuit). */
public final class RelayPath {

    private static final AttributeKey<Boolean> RELAYED = AttributeKey.valueOf("nexo.relayed");

    private RelayPath() {
    }

    public static void markRelayed(Channel ch) {
        ch.attr(RELAYED).set(Boolean.TRUE);
    }

    /** True when {@code ch} reaches its peer through a relay rather than directly. */
    public static boolean isRelayed(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(RELAYED).get());
    }
}
