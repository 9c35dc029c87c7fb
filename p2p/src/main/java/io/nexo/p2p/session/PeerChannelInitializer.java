package io.nexo.p2p.session;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.FrameDecoder;
import io.nexo.p2p.wire.FrameEncoder;

import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of a peer connection: TLS, idle detection (pings out, silence in), frame
 * codec (with the field bounds and the frame limit both ways), handshake. The handshake handler
 * replaces itself with the established session's flood guard, keep-alive and session handler.
 */
public final class PeerChannelInitializer extends ChannelInitializer<SocketChannel> {

    private static final SecureRandom NONCES = new SecureRandom();

    private final PeerTls tls;
    private final SessionHandler.LocalInfo local;
    private final SessionLimits limits;
    private final SessionListener listener;
    private final boolean outbound;
    private final Optional<PeerId> expectedPeer;
    private final SessionMetrics metrics;
    private final ResourceManager resources;

    public PeerChannelInitializer(PeerTls tls, SessionHandler.LocalInfo local, SessionLimits limits,
                                  SessionListener listener, boolean outbound, Optional<PeerId> expectedPeer) {
        this(tls, local, limits, listener, outbound, expectedPeer, new SessionMetrics(),
                new ResourceManager(limits.resources(), System::nanoTime));
    }

    /**
     * @param metrics   the node's counters, shared by all its sessions
     * @param resources the node's resource manager (outbound total), shared by all its sessions
     */
    public PeerChannelInitializer(PeerTls tls, SessionHandler.LocalInfo local, SessionLimits limits,
                                  SessionListener listener, boolean outbound, Optional<PeerId> expectedPeer,
                                  SessionMetrics metrics, ResourceManager resources) {
        this.metrics = metrics;
        this.resources = resources;
        this.tls = tls;
        this.local = local;
        this.limits = limits;
        this.listener = listener;
        this.outbound = outbound;
        this.expectedPeer = expectedPeer;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        buildPipeline(ch);
    }

    /** Builds the pipeline now (for a gate that admitted the connection first). */
    public void buildPipeline(SocketChannel ch) {
        byte[] nonce = new byte[32];
        NONCES.nextBytes(nonce);
        ChannelPipeline p = ch.pipeline();
        p.addLast("tls", tls.newHandler(ch.alloc(), outbound, limits.handshakeTimeout()));
        p.addLast("idle", new IdleStateHandler(limits.idleTimeout().toMillis(),
                limits.pingInterval().toMillis(), 0, TimeUnit.MILLISECONDS));
        p.addLast("frames", new FrameDecoder(limits.maxFrameBytes()));
        p.addLast("encoder", new FrameEncoder(limits.maxFrameBytes(), metrics::countOversizedOutgoing));
        p.addLast("handshake", new HandshakeHandler(local, limits, listener, metrics, resources, System::nanoTime,
                outbound, expectedPeer, nonce));
    }
}
