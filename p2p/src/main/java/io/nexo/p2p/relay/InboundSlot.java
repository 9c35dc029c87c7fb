package io.nexo.p2p.relay;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * An accepted connection's place under the node's inbound caps (per IP, per subnet). The reserved
 * node's side of a relay circuit gives it back once spliced: all of a reserved node's circuits come
 * from its address, one per peer that reaches it, so those caps would limit how many peers can reach
 * it; the relay's own limits (a token per circuit, circuits per reserved peer and in total) bound
 * them instead. The dialling side keeps its place: it is one connection of the dialler's own address.
 */
public final class InboundSlot {

    private static final AttributeKey<Runnable> RELEASE = AttributeKey.valueOf("nexo.inboundSlot");

    private InboundSlot() {
    }

    /** {@code release} gives {@code ch}'s place back; it must be idempotent (it also runs when {@code ch} closes). */
    public static void hold(Channel ch, Runnable release) {
        ch.attr(RELEASE).set(release);
    }

    /** Gives {@code ch}'s place back now, if it holds one. */
    static void release(Channel ch) {
        Runnable r = ch.attr(RELEASE).getAndSet(null);
        if (r != null) {
            r.run();
        }
    }
}
