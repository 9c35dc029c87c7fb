package io.nexo.p2p.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.tls.NetworkKey;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.FrameDecoder;
import io.nexo.p2p.wire.FrameEncoder;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Ping;
import io.nexo.p2p.wire.proto.Welcome;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The one misbehaving-peer driver, for attack tests and for {@code nexo bench gossip --attackers}
 * (never used by a node): it completes the REAL handshake with a node (TLS 1.3 with an identity of
 * its own, Hello, Welcome with the closed-network proof when it holds the key), then sends whatever
 * its user crafts: envelopes, binary frames (file exchange's among them), or raw bytes that need
 * not be a valid frame at all. It keeps what the node sends back (envelopes, and binary frames as
 * copies), can dial from a chosen local address, stop reading (to fill the node's outbound queue
 * towards it), and reports how the node closed the connection. It sends nothing of its own (no
 * gossip, exchange or pings; Pongs only when asked to), so a test can count exactly what reached
 * the node.
 *
 * <pre>
 *   try (HostilePeer mallory = HostilePeer.connect(group, node.listenAddress(), HostilePeer.options())) {
 *       mallory.send(Envelope.newBuilder().setIhave(hugeIHave).build());
 *       assertThat(mallory.awaitClosed(Duration.ofSeconds(5))).isTrue();
 *   }
 * </pre>
 * Modelled on go-libp2p-pubsub's attack tests: a hand-driven peer on one end of a real node. This
 * class connects and sends; {@link HostileDriver} speaks the handshake, {@link NodeOutput} keeps what the node sent.
 */
public final class HostilePeer implements AutoCloseable {

    /**
     * How the peer introduces itself and what it keeps; every field a test may want to make hostile.
     * {@code tls} is the identity's TLS contexts when made ahead (making them takes tens of
     * milliseconds: floods share a few), {@code localHost} the address to dial from (any 127.x.y.z,
     * or an address inside a namespace), {@code answerPings} whether it answers the node's
     * keep-alive pings (a silent peer is dropped after the idle timeout), {@code maxKept} how many
     * envelopes and binary frames from the node it keeps (newer ones are dropped beyond that).
     */
    public record Options(NodeIdentity identity, String name, List<String> listenAddrs,
                          Optional<NetworkKey> networkKey, int maxInboundFrameBytes,
                          Optional<Welcome> welcomeOverride, Duration timeout, Optional<PeerTls> tls,
                          Optional<String> localHost, boolean answerPings, int maxKept,
                          Optional<io.netty.buffer.ByteBufAllocator> allocator) {

        public Options withName(String n) {
            return new Options(identity, n, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    tls, localHost, answerPings, maxKept, allocator);
        }

        public Options withListenAddrs(List<String> addrs) {
            return new Options(identity, name, addrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    tls, localHost, answerPings, maxKept, allocator);
        }

        public Options withNetworkKey(NetworkKey key) {
            return new Options(identity, name, listenAddrs, Optional.of(key), maxInboundFrameBytes, welcomeOverride,
                    timeout, tls, localHost, answerPings, maxKept, allocator);
        }

        /** The largest frame this peer accepts from the node; a bigger one is recorded ({@link #oversizedFromNode}). */
        public Options withMaxInboundFrameBytes(int max) {
            return new Options(identity, name, listenAddrs, networkKey, max, welcomeOverride, timeout,
                    tls, localHost, answerPings, maxKept, allocator);
        }

        /** Sends exactly this Welcome (its proof field is kept as given). */
        public Options withWelcome(Welcome w) {
            return new Options(identity, name, listenAddrs, networkKey, maxInboundFrameBytes, Optional.of(w), timeout,
                    tls, localHost, answerPings, maxKept, allocator);
        }

        public Options withIdentity(NodeIdentity id) {
            return new Options(id, name, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    Optional.empty(), localHost, answerPings, maxKept, allocator);
        }

        /** This identity with TLS contexts made ahead (see {@link Identity#generateAll}). */
        public Options withIdentity(Identity id) {
            return new Options(id.key(), name, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    Optional.of(id.tls()), localHost, answerPings, maxKept, allocator);
        }

        /** Dials from {@code host} (port 0). */
        public Options withLocalHost(String host) {
            return new Options(identity, name, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    tls, Optional.of(host), answerPings, maxKept, allocator);
        }

        public Options withAnswerPings(boolean answer) {
            return new Options(identity, name, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    tls, localHost, answer, maxKept, allocator);
        }

        public Options withMaxKept(int max) {
            return new Options(identity, name, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    tls, localHost, answerPings, max, allocator);
        }

        /** Buffers from this allocator (a bench keeps the attackers' memory apart from the nodes'). */
        public Options withAllocator(io.netty.buffer.ByteBufAllocator a) {
            return new Options(identity, name, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, timeout,
                    tls, localHost, answerPings, maxKept, Optional.of(a));
        }

        public Options withTimeout(Duration t) {
            return new Options(identity, name, listenAddrs, networkKey, maxInboundFrameBytes, welcomeOverride, t,
                    tls, localHost, answerPings, maxKept, allocator);
        }
    }

    /** A key and its TLS contexts, made once and reused by many connections. */
    public record Identity(NodeIdentity key, PeerTls tls) {
        public static Identity generate() {
            NodeIdentity key = NodeIdentity.generate();
            return new Identity(key, new PeerTls(key));
        }

        /** {@code n} identities, made in parallel. */
        public static List<Identity> generateAll(int n) {
            return java.util.stream.IntStream.range(0, n).parallel().mapToObj(i -> generate()).toList();
        }
    }

    /** A binary frame the node sent, copied so the caller need not release it. */
    public record Binary(String protocol, byte[] payload) {
    }

    /**
     * A fresh identity named "mallory", no addresses, open network, the node's default 1 MiB frame
     * limit, pings not answered, up to 100 000 envelopes and frames kept.
     */
    public static Options options() {
        return new Options(NodeIdentity.generate(), "mallory", List.of(), Optional.empty(), 1 << 20,
                Optional.empty(), Duration.ofSeconds(10), Optional.empty(), Optional.empty(), false, 100_000,
                Optional.empty());
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Options options;
    private final Channel channel;
    private final CompletableFuture<Welcome> established = new CompletableFuture<>();
    private final CompletableFuture<Void> tlsDone = new CompletableFuture<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final NodeOutput output;
    private final AtomicReference<PeerId> nodeId = new AtomicReference<>();
    private final AtomicLong nextPingSeq = new AtomicLong(1);

    /** The group this peer made for itself ({@link #connect(HostAndPort, Options)}), shut down on close. */
    private EventLoopGroup ownGroup;

    private HostilePeer(EventLoopGroup group, HostAndPort target, Options options, boolean handshake) {
        this.options = options;
        this.output = new NodeOutput(options.maxKept());
        PeerTls tls = options.tls().orElseGet(() -> new PeerTls(options.identity()));
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(Transport.best().socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.timeout().toMillis())
                // a small receive window, as an attacker that stops reading would choose: the node's
                // queue then fills after 64 KiB in the kernel instead of several MiB
                .option(ChannelOption.SO_RCVBUF, 64 * 1024)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), true, options.timeout()));
                        ch.pipeline().addLast("frames", new FrameDecoder(options.maxInboundFrameBytes()));
                        ch.pipeline().addLast("encoder", FrameEncoder.INSTANCE);
                        ch.pipeline().addLast("hostile", new HostileDriver(options, nonce, handshake, output, nodeId,
                                tlsDone, established));
                    }
                });
        options.localHost().ifPresent(h -> bootstrap.localAddress(new InetSocketAddress(h, 0)));
        options.allocator().ifPresent(a -> bootstrap.option(ChannelOption.ALLOCATOR, a));
        ChannelFuture connecting = bootstrap.connect(target.toSocketAddress());
        this.channel = connecting.channel();
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                tlsDone.completeExceptionally(f.cause());
                established.completeExceptionally(f.cause());
                closed.complete("connect failed: " + f.cause());
            }
        });
        channel.closeFuture().addListener(f -> {
            tlsDone.completeExceptionally(new IllegalStateException("closed during TLS"));
            established.completeExceptionally(new IllegalStateException("closed during the handshake"
                    + output.goodbyeReason().map(r -> ": " + r).orElse("")));
            closed.complete(output.goodbyeReason().orElse(null));
        });
    }

    /** Connects and completes the handshake; throws if the node refuses it within the timeout. */
    public static HostilePeer connect(EventLoopGroup group, HostAndPort target, Options options) {
        HostilePeer p = new HostilePeer(group, target, options, true);
        return p.awaitOrClose(p.established, "handshake with " + target);
    }

    /** As {@link #connect(EventLoopGroup, HostAndPort, Options)} on an event loop of its own, shut down on {@link #close}. */
    public static HostilePeer connect(HostAndPort target, Options options) {
        EventLoopGroup group = Transport.best().newEventLoopGroup(1, "hostile-peer");
        try {
            HostilePeer p = new HostilePeer(group, target, options, true);
            p.ownGroup = group;
            return p.awaitOrClose(p.established, "handshake with " + target);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Connects without waiting: the future completes once the handshake is done, and fails (the
     * connection closed) when the node refuses it, closes it first, or the timeout passes.
     */
    public static CompletableFuture<HostilePeer> connectAsync(EventLoopGroup group, HostAndPort target, Options options) {
        HostilePeer p = new HostilePeer(group, target, options, true);
        return p.established.orTimeout(options.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((w, e) -> {
                    if (e != null) {
                        p.channel.close();
                        throw new IllegalStateException("handshake with " + target + " failed: " + e, e);
                    }
                    return p;
                });
    }

    /** Connects and sends the TLS handshake only: the test speaks the hello exchange itself ({@link #sendRaw}). */
    public static HostilePeer connectTlsOnly(EventLoopGroup group, HostAndPort target, Options options) {
        HostilePeer p = new HostilePeer(group, target, options, false);
        return p.awaitOrClose(p.tlsDone, "TLS with " + target);
    }

    private HostilePeer awaitOrClose(CompletableFuture<?> step, String what) {
        try {
            step.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            close();
            throw new IllegalStateException(what + " failed: " + e, e);
        }
        return this;
    }

    /** The node's id as its certificate proved it. */
    public PeerId nodeId() {
        return nodeId.get();
    }

    public PeerId peerId() {
        return options.identity().peerId();
    }

    /** This peer's key (to sign what it sends as itself). */
    public NodeIdentity identity() {
        return options.identity();
    }

    /** The node's Welcome. */
    public Welcome nodeWelcome() {
        return established.join();
    }

    /** Writes and flushes {@code env}; the future fails when the connection is gone. */
    public io.netty.channel.ChannelFuture send(Envelope env) {
        return channel.writeAndFlush(env);
    }

    /** Queues {@code env} without flushing (batch many, then {@link #flush()}). */
    public void write(Envelope env) {
        channel.write(env, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    /** Writes a binary frame (kind 2) of {@code protocol}; the payload is released by the encoder. */
    public io.netty.channel.ChannelFuture sendBinary(String protocol, ByteBuf payload) {
        return sendBinary(new BinaryFrame(protocol, payload));
    }

    /** Writes {@code frame}; the encoder releases it. */
    public io.netty.channel.ChannelFuture sendBinary(BinaryFrame frame) {
        return channel.writeAndFlush(frame);
    }

    /**
     * Writes {@code count} frames made by {@code make} from this peer's event loop, flushed in
     * batches (so they travel in few TLS records, as fast as a flooder sends them), and waits until
     * all are written to the socket; false when they were not within {@code timeout}.
     */
    public boolean sendMany(java.util.function.IntFunction<Object> make, int count, Duration timeout)
            throws InterruptedException {
        java.util.concurrent.CountDownLatch written = new java.util.concurrent.CountDownLatch(count);
        channel.eventLoop().execute(() -> {
            for (int i = 0; i < count; i++) {
                channel.write(make.apply(i)).addListener(f -> written.countDown());
                if (i % 256 == 255) {
                    channel.flush();
                }
            }
            channel.flush();
        });
        return written.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes bytes as they are: a frame of any length, kind or content (or none at all). */
    public io.netty.channel.ChannelFuture sendRaw(ByteBuf bytes) {
        return channel.writeAndFlush(bytes);
    }

    /** A raw frame {@code uint32 length | kind | body} with a correct length prefix. */
    public io.netty.channel.ChannelFuture sendFrame(byte kind, byte[] body) {
        ByteBuf b = channel.alloc().buffer(WireFormat.LENGTH_BYTES + 1 + body.length);
        b.writeInt(1 + body.length).writeByte(kind).writeBytes(body);
        return sendRaw(b);
    }

    /** Stops reading from the socket: what the node sends piles up in its outbound queue. */
    public void stopReading() {
        channel.config().setAutoRead(false);
        if (!channel.eventLoop().inEventLoop()) {
            // the change takes effect on the loop; wait for it, so that nothing is read after this returns
            channel.eventLoop().submit(() -> { }).awaitUninterruptibly(options.timeout().toMillis());
        }
    }

    public void resumeReading() {
        channel.config().setAutoRead(true);
        channel.read();
    }

    /**
     * Sends a Ping and waits for its Pong: true when the node handled everything sent before it (it
     * answers in order), false when it closed the connection instead or did not answer in time.
     */
    public boolean ping(Duration timeout) throws InterruptedException {
        long seq = nextPingSeq.getAndIncrement();
        send(Envelope.newBuilder().setPing(Ping.newBuilder().setSeq(seq)).build());
        return awaitEnvelope(e -> e.hasPong() && e.getPong().getSeq() == seq, timeout).isPresent();
    }

    /**
     * Waits for the first envelope matching {@code match} (taking the ones before it off the queue);
     * empty on timeout or close.
     */
    public Optional<Envelope> awaitEnvelope(Predicate<Envelope> match, Duration timeout) throws InterruptedException {
        return output.awaitEnvelope(match, timeout, channel::isActive);
    }

    /** Every envelope the node sent since the handshake, in order (the first {@link Options#maxKept} of them). */
    public List<Envelope> history() {
        return output.history();
    }

    /** The next binary frame the node sent (in order, taken off the queue), within {@code timeout}. */
    public Optional<Binary> nextBinary(Duration timeout) throws InterruptedException {
        return output.nextBinary(timeout);
    }

    public long binaryFramesReceived() {
        return output.binaryFramesReceived();
    }

    /** Envelopes received since the handshake, kept or not. */
    public long envelopesReceived() {
        return output.envelopesReceived();
    }

    /** Frames from the node over this peer's {@link Options#maxInboundFrameBytes}: the node sent what a peer must refuse. */
    public long oversizedFromNode() {
        return output.oversizedFromNode();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /**
     * True once the connection is closed (by either side) within {@code timeout}. A peer that
     * {@link #stopReading stopped reading} cannot see the node's close until it reads again.
     */
    public boolean awaitClosed(Duration timeout) {
        try {
            closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /** The Goodbye reason the node gave before it closed, if any. */
    public Optional<String> goodbyeReason() {
        return output.goodbyeReason();
    }

    public Channel channel() {
        return channel;
    }

    /** Runs {@code task} on this peer's event loop (for tests that write from the loop in bulk). */
    public void onLoop(Consumer<Channel> task) {
        channel.eventLoop().execute(() -> task.accept(channel));
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(options.timeout().toMillis());
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(options.timeout().toMillis());
        }
    }
}
