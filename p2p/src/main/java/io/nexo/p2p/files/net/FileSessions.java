package io.nexo.p2p.files.net;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.session.PeerSession;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions file exchange talks on: the open session with each peer (dialling it when a holder
 * is not connected, one dial per peer at a time, holder addresses within {@link HolderDials}), a callback when one closes, and sending on them.
 * Every message goes through the session's outbound-queue bound; answers to a peer's requests also
 * through its reply budget ({@link PeerAllowance}). Thread-safe.
 */
final class FileSessions {

    private static final Logger log = LoggerFactory.getLogger(FileSessions.class);
    /** Room in a frame for its kind byte and protocol name (with their length prefixes). */
    static final int FRAME_HEADROOM = 64;

    private final PeerNode node;
    private final ByteBufAllocator alloc;
    private final PeerAllowance allowance;
    private final FileLimitCounters counters;
    /** Largest payload of a frame the peer accepts: the frame limit less the kind byte and protocol name. */
    private final int maxPayloadBytes;
    private final Map<PeerId, PeerSession> sessions = new ConcurrentHashMap<>();
    private final Set<Channel> watched = ConcurrentHashMap.newKeySet();
    private final Map<PeerId, CompletableFuture<PeerSession>> dialling = new ConcurrentHashMap<>();
    private volatile Consumer<PeerId> onClosed = peer -> { };
    private final HolderDials holderDials;

    FileSessions(PeerNode node, ByteBufAllocator alloc, PeerAllowance allowance, FileLimitCounters counters,
                 HolderDials holderDials) {
        this.node = node;
        this.holderDials = holderDials;
        this.alloc = alloc;
        this.allowance = allowance;
        this.counters = counters;
        this.maxPayloadBytes = node.config().limits().maxFrameBytes() - FRAME_HEADROOM;
    }

    /** Called with the peer whenever a watched session's channel closes (while the exchange runs). */
    void onClosed(Consumer<PeerId> callback) {
        this.onClosed = callback;
    }

    /** The session with {@code peer}, dialling it at one of {@code addrs} when not connected. */
    CompletableFuture<PeerSession> session(PeerId peer, List<String> addrs) {
        PeerSession s = live(peer);
        if (s != null) {
            return CompletableFuture.completedFuture(s);
        }
        if (addrs.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no address known for " + peer.shortId()));
        }
        HostAndPort addr;
        try {
            addr = HostAndPort.parse(addrs.get(0));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        // one dial per peer at a time: concurrent dials would end as duplicate connections
        CompletableFuture<PeerSession> dial = dialling.computeIfAbsent(peer, p -> {
            String refused = holderDials.tryStart(addr);
            if (refused != null) {
                return CompletableFuture.failedFuture(new IOException(refused));
            }
            CompletableFuture<PeerSession> f = node.connect(DialTarget.of(p, addr)).thenApply(info -> {
                PeerSession now = live(p);
                if (now == null) {
                    throw new IllegalStateException("session with " + p.shortId() + " closed");
                }
                return now;
            });
            f.whenComplete((ok, err) -> {
                holderDials.finished(addr, err == null);
                dialling.remove(p);
            });
            return f;
        });
        if (dial.isCompletedExceptionally()) {
            dialling.remove(peer, dial); // refused before it started: nothing will remove it
        }
        return dial;
    }

    /**
     * The open session with {@code peer}: the cached one while it is live, else the node's current
     * one (after a duplicate connection was resolved, the cached one may be the loser); null if none.
     */
    PeerSession live(PeerId peer) {
        PeerSession s = sessions.get(peer);
        if (s != null && isLive(s)) {
            return s;
        }
        Optional<PeerSession> current = node.session(peer);
        if (current.isPresent() && isLive(current.get())) {
            watch(current.get());
            return current.get();
        }
        sessions.remove(peer);
        return null;
    }

    /** Watches {@code from} unless a live session with its peer is cached already. */
    void seen(PeerSession from) {
        PeerSession cached = sessions.get(from.peerId());
        if (cached == null || !isLive(cached)) {
            watch(from);
        }
    }

    /**
     * Caches {@code s} and, when its channel closes, reports its peer. The node does not report a
     * session closed as the loser of a duplicate connection, and requests sent on it would
     * otherwise wait for their timeout.
     */
    void watch(PeerSession s) {
        PeerSession previous = sessions.put(s.peerId(), s);
        if (previous == s || !watched.add(s.channel())) {
            return;
        }
        s.channel().closeFuture().addListener(f -> {
            watched.remove(s.channel());
            sessions.remove(s.peerId(), s);
            onClosed.accept(s.peerId());
        });
    }

    /**
     * The node reports {@code peer} disconnected: forgets its session unless a live one remains (a
     * duplicate connection may have lost the race). True when the peer is gone.
     */
    boolean disconnected(PeerId peer) {
        sessions.computeIfPresent(peer, (k, s) -> isLive(s) ? s : null);
        return !sessions.containsKey(peer);
    }

    /** Sends {@code msg} on {@code s} when it is open (a peer over the outbound-queue bound is dropped). */
    void send(PeerSession s, FileMessage msg) {
        if (s.isOpen() && fits(s, msg)) {
            s.sendBinaryBounded(FileFrames.message(alloc, msg));
        }
    }

    /**
     * True when {@code msg} fits in one frame: the peer would refuse a bigger one and close the session
     * (a manifest of a huge file under a small {@code --max-message-size}), so it is not sent.
     */
    private boolean fits(PeerSession s, FileMessage msg) {
        int bytes = 1 + msg.getSerializedSize();
        if (bytes <= maxPayloadBytes) {
            return true;
        }
        log.warn("Not sending {} of {} bytes to {}: over the frame limit of {} bytes", msg.getBodyCase(), bytes, s,
                maxPayloadBytes);
        return false;
    }

    /**
     * Sends {@code msg}, an answer to the peer's request, within the peer's reply budget. False (not
     * sent, counted and logged) when answers already queued for the peer fill it: the request is
     * dropped unanswered, as the peer is not reading them.
     */
    boolean reply(PeerSession s, FileMessage msg) {
        return reply(s, msg.getBodyCase().name(), () -> msg);
    }

    /**
     * As {@link #reply(PeerSession, FileMessage)}, building the answer only when the peer's reply
     * queue has room: a flood of requests costs a check each, not an answer each.
     */
    boolean reply(PeerSession s, String what, Supplier<FileMessage> answer) {
        if (!s.isOpen()) {
            return false;
        }
        if (!allowance.replyRoom(s.peerId())) {
            counters.trip(FileLimitCounters.Limit.REPLY_QUEUE, s, what
                    + " not sent: the peer has not taken the answers already queued");
            return false;
        }
        FileMessage msg = answer.get();
        if (!fits(s, msg)) {
            return false;
        }
        long bytes = 1L + msg.getSerializedSize();
        PeerAllowance.Replies reserved = allowance.reserveReply(s.peerId(), bytes);
        if (reserved == null) {
            counters.trip(FileLimitCounters.Limit.REPLY_QUEUE, s, msg.getBodyCase() + " of " + bytes
                    + " bytes not sent: the peer has not taken the answers already queued");
            return false;
        }
        ChannelFuture f = s.sendBinaryBounded(FileFrames.message(alloc, msg));
        if (f == null) {
            reserved.release(bytes);
            return false;
        }
        f.addListener(done -> reserved.release(bytes));
        return true;
    }

    /** Sends {@code msg} to {@code peer} when a live session with it exists; false otherwise. */
    boolean send(PeerId peer, FileMessage msg) {
        PeerSession s = live(peer);
        if (s == null) {
            return false;
        }
        send(s, msg);
        return true;
    }

    static boolean isLive(PeerSession s) {
        return s.isOpen() && s.closeReason() == null;
    }
}
