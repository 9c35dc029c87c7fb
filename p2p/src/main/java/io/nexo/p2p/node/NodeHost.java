package io.nexo.p2p.node;

import io.netty.channel.EventLoopGroup;
import io.nexo.p2p.identity.VerifiedSignatures;

import java.util.Objects;

/**
 * What the nodes running in one process share (the benchmark runs a thousand): the event loops,
 * each node confined to one of them for its control state, timers and channels, so a node starts
 * no thread of its own; and the memo of verified broadcast signatures, so a message is verified
 * once per process rather than once per node. The owner of the group shuts it down.
 *
 * @param group      event loops shared by the nodes
 * @param signatures broadcast signatures already verified by one of the nodes
 */
public record NodeHost(EventLoopGroup group, VerifiedSignatures signatures) {

    public NodeHost {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(signatures, "signatures");
    }

    /** Nodes on {@code group} that share a memo of verified signatures. */
    public static NodeHost shared(EventLoopGroup group) {
        return new NodeHost(group, VerifiedSignatures.shared());
    }
}
