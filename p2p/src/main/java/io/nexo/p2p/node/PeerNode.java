package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.LanDiscovery;
import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.session.PeerChannelInitializer;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.session.SessionHandler;
import io.nexo.p2p.session.SessionListener;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.FrameEncoder;
import io.nexo.p2p.wire.proto.AppMessage;
import io.nexo.p2p.wire.proto.Direct;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;
import io.nexo.p2p.wire.proto.PeerExchangeRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A peer of the nexo network: accepts and dials TLS sessions, keeps its degree, broadcasts by
 * gossip, sends direct messages, and reports what happens to a {@link PeerListener}.
 *
 * <p>Threading: I/O runs on Netty event loops; all of the node's own state (sessions, gossip,
 * address book, dials) is confined to one "control" event loop, so it needs no locks. Public methods
 * are thread-safe: they hand work to the control loop.
 *
 * <pre>
 *   PeerNode node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), "alice", listen), event -> ...);
 *   node.start();
 *   node.connect(DialTarget.parse("127.0.0.1:5000")).join();
 *   node.broadcast("hello");
 *   node.close();
 * </pre>
 */
public final class PeerNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerNode.class);
    /** Topic of console chat lines. */
    public static final String CHAT_TOPIC = "chat";
    private static final int PEX_MAX = 32;
    private static final String DUPLICATE = "duplicate connection";

    private final PeerNodeConfig config;
    private final PeerListener listener;
    private final Clock clock;
    private final Random random;
    private final boolean ownsGroup;
    private final EventLoopGroup group;
    private final EventLoop control;
    private final EventLoopGroup ioGroup;
    private final PeerTls tls;
    private final PeerId self;
    private final AddressBook book;
    private final GossipRouter router;
    private final SessionEvents sessionEvents = new SessionEvents();
    private final Map<String, AppProtocol> protocols = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> inboundPerIp = new ConcurrentHashMap<>();

    // control-thread state
    private final Map<PeerId, PeerSession> sessions = new LinkedHashMap<>();
    private final Map<Channel, Dial> dials = new HashMap<>();
    private final Map<HostAndPort, BootstrapState> bootstrap = new LinkedHashMap<>();
    /** Peers whose session the other side closed as a duplicate: the surviving one is on its way. */
    private final Map<PeerId, PeerInfo> replacedByPeer = new HashMap<>();
    private boolean bookDirty;
    private long ticks;

    private volatile boolean started;
    private volatile boolean closed;
    private volatile Channel serverChannel;
    private volatile HostAndPort listenAddress;
    private volatile List<HostAndPort> advertised = List.of();
    private volatile LanDiscovery lan;
    private volatile io.netty.util.concurrent.ScheduledFuture<?> maintenance;

    private record Dial(DialTarget target, CompletableFuture<PeerInfo> result, boolean user) {
    }

    private static final class BootstrapState {
        final DialTarget target;
        PeerId learnedId;
        int failures;
        long nextAttemptMillis;

        BootstrapState(DialTarget target) {
            this.target = target;
        }
    }

    public PeerNode(PeerNodeConfig config, PeerListener listener) {
        this(config, listener, Clock.systemUTC(), new java.security.SecureRandom(), null);
    }

    /**
     * @param group event loops to run on (shared by many nodes in one JVM, e.g. the benchmark), or
     *              null for a group of the node's own (2 threads), shut down by {@link #close()}
     */
    public PeerNode(PeerNodeConfig config, PeerListener listener, Clock clock, Random random, EventLoopGroup group) {
        this.config = config;
        this.listener = listener;
        this.clock = clock;
        this.random = random;
        this.ownsGroup = group == null;
        this.group = group != null ? group : Transport.best().newEventLoopGroup(2, "nexo-peer");
        this.control = this.group.next();
        // many nodes on one shared group (the benchmark): each node's channels live on its control
        // loop, so a message crosses no thread between arrival and forwarding
        this.ioGroup = ownsGroup ? this.group : this.control;
        this.tls = new PeerTls(config.identity());
        this.self = config.identity().peerId();
        this.book = new AddressBook(config.dataDir(), config.discovery().addressBookCapacity());
        this.router = new GossipRouter(config.gossip(), new GossipRouter.Network() {
            @Override
            public boolean send(PeerId to, Envelope envelope) {
                return sendTo(to, envelope);
            }

            @Override
            public void sendToAll(List<PeerId> to, Envelope envelope) {
                fanOut(to, envelope);
            }
        }, this::deliver, control, random, System::nanoTime);
        for (DialTarget t : config.bootstrap()) {
            bootstrap.put(t.address(), new BootstrapState(t));
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Binds the listen address and starts discovery. Returns the bound address.
     *
     * @throws PeerException if the address cannot be bound (in use, not local...)
     */
    public HostAndPort start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        ServerBootstrap sb = new ServerBootstrap()
                .group(ioGroup)
                .channel(Transport.best().serverChannelClass())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .childHandler(new InboundGate());
        ChannelFuture bind = sb.bind(config.listen().toSocketAddress()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            Throwable c = bind.cause();
            shutdownGroup();
            throw new PeerException("cannot listen on " + config.listen() + ": " + bindFailure(c));
        }
        serverChannel = bind.channel();
        HostAndPort bound = HostAndPort.of((InetSocketAddress) serverChannel.localAddress());
        // a wildcard bind reads back as [::] on a dual-stack socket: say what the user asked for
        listenAddress = AddressBook.isWildcard(config.listen().host()) ? config.listen().withPort(bound.port()) : bound;
        advertised = computeAdvertised();
        log.info("peer {} ({}) listening on {} (TLS {}, advertising {})", config.name(), self, listenAddress,
                tls.providerName(), advertised);
        if (config.discovery().lan()) {
            lan = new LanDiscovery(config.discovery(), group, self, config.name(), listenAddress.port(),
                    config.networkKey().map(k -> k.tag()).orElse("open"), this::onLanAnnouncement);
            lan.start();
        }
        call(() -> {
            emit(new PeerEvent.Ready(self, config.name(), listenAddress, advertised));
            tick();
            return null;
        });
        long every = config.discovery().maintenanceInterval().toMillis();
        maintenance = control.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
        return listenAddress;
    }

    /** Says goodbye to every peer, saves the address book and stops. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (maintenance != null) {
            maintenance.cancel(false);
        }
        if (lan != null) {
            lan.close();
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        if (started) {
            List<ChannelFuture> closing = new ArrayList<>();
            try {
                call(() -> {
                    for (PeerSession s : sessions.values()) {
                        s.close("peer stopped");
                        closing.add(s.channel().closeFuture());
                    }
                    for (Channel ch : dials.keySet()) {
                        closing.add(ch.close());
                    }
                    book.save();
                    return null;
                });
            } catch (RuntimeException e) {
                log.debug("closing sessions: {}", e.toString());
            }
            for (ChannelFuture f : closing) {
                f.awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
        shutdownGroup();
    }

    private void shutdownGroup() {
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- public API

    public PeerId peerId() {
        return self;
    }

    public String name() {
        return config.name();
    }

    public PeerNodeConfig config() {
        return config;
    }

    /** The bound listen address (after {@link #start()}). */
    public HostAndPort listenAddress() {
        return listenAddress;
    }

    /** Addresses announced to other peers. */
    public List<HostAndPort> advertisedAddresses() {
        return advertised;
    }

    /** The TLS engine in use: "OPENSSL" (BoringSSL) or "JDK". */
    public String tlsProvider() {
        return tls.providerName();
    }

    /** The connected peers, in connection order. */
    public List<PeerInfo> peers() {
        return call(() -> sessions.values().stream().map(PeerInfo::of).toList());
    }

    /** Peers in the address book (connected or not). */
    public List<AddressBook.Entry> knownPeers() {
        return call(book::all);
    }

    /** The established session with {@code id}, for protocols built on the node. */
    public Optional<PeerSession> session(PeerId id) {
        return call(() -> Optional.ofNullable(sessions.get(id)));
    }

    public GossipRouter.Stats gossipStats() {
        return call(router::stats);
    }

    /** Neighbours on Plumtree's eager (tree) links. */
    public Set<PeerId> eagerPeers() {
        return call(router::eagerPeers);
    }

    /**
     * Dials {@code target}. Completes with the peer once the session is established (or with the
     * existing one if already connected), or fails with a {@link PeerException} saying why.
     */
    public CompletableFuture<PeerInfo> connect(DialTarget target) {
        CompletableFuture<PeerInfo> result = new CompletableFuture<>();
        control.execute(() -> dial(target, result, true));
        return result;
    }

    /** Broadcasts a chat line to the whole network; returns the message id (hex). */
    public String broadcast(String text) {
        return publish(CHAT_TOPIC, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Broadcasts {@code payload} under {@code topic}; returns the message id (hex). */
    public String publish(String topic, byte[] payload) {
        ByteString data = ByteString.copyFrom(payload);
        return call(() -> HexFormat.of().formatHex(
                router.publish(self, config.name(), topic, data, clock.millis()).toByteArray()));
    }

    /**
     * Sends {@code text} to one node, named by nickname or peer id. Uses the session with it, or
     * dials it from the address book first. Messages are not relayed through other nodes: the
     * recipient is the TLS peer, so only it can read the message and it knows who sent it.
     */
    public CompletableFuture<PeerInfo> sendDirect(String nameOrId, String text) {
        CompletableFuture<PeerInfo> result = new CompletableFuture<>();
        control.execute(() -> {
            try {
                PeerId target = resolve(nameOrId);
                PeerSession s = sessions.get(target);
                if (s != null) {
                    result.complete(sendDirectOn(s, text));
                    return;
                }
                AddressBook.Entry e = book.get(target).orElse(null);
                if (e == null || e.addrs().isEmpty()) {
                    throw new PeerException("no address known for " + nameOrId + "; connect to it first (/connect HOST:PORT)");
                }
                CompletableFuture<PeerInfo> dialled = new CompletableFuture<>();
                dial(DialTarget.of(target, e.addrs().get(e.addrs().size() - 1)), dialled, true);
                dialled.whenCompleteAsync((info, err) -> {
                    PeerSession now = sessions.get(target);
                    if (err != null || now == null) {
                        result.completeExceptionally(new PeerException("cannot reach " + nameOrId + ": "
                                + (err != null ? message(err) : "session closed")));
                    } else {
                        result.complete(sendDirectOn(now, text));
                    }
                }, control);
            } catch (PeerException ex) {
                result.completeExceptionally(ex);
            }
        });
        return result;
    }

    /** Registers a protocol for {@code AppMessage}s and binary frames named {@code protocol}. */
    public void registerProtocol(String protocol, AppProtocol handler) {
        if (protocols.putIfAbsent(protocol, handler) != null) {
            throw new IllegalStateException("protocol " + protocol + " already registered");
        }
    }

    /** Sends an app control message to a connected peer; false if not connected or dropped. */
    public boolean sendApp(PeerId to, String protocol, ByteString payload) {
        return sendTo(to, Envelope.newBuilder().setApp(AppMessage.newBuilder().setProtocol(protocol).setPayload(payload)).build());
    }

    // ---------------------------------------------------------------- control thread

    private PeerInfo sendDirectOn(PeerSession s, String text) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        Direct d = Direct.newBuilder().setId(ByteString.copyFrom(id)).setFromId(self.value())
                .setFromName(config.name()).setToId(s.peerId().value()).setText(text).build();
        if (!s.send(Envelope.newBuilder().setDirect(d).build())) {
            throw new PeerException("cannot send to " + s.name() + ": session closed");
        }
        return PeerInfo.of(s);
    }

    private PeerId resolve(String nameOrId) {
        if (PeerId.looksLikePeerId(nameOrId)) {
            return PeerId.parse(nameOrId);
        }
        Set<PeerId> matches = new HashSet<>();
        for (PeerSession s : sessions.values()) {
            if (s.name().equals(nameOrId) || s.peerId().value().startsWith(nameOrId.toLowerCase())
                    && nameOrId.length() >= 8) {
                matches.add(s.peerId());
            }
        }
        if (matches.isEmpty()) {
            book.byName(nameOrId).forEach(e -> matches.add(e.id()));
        }
        if (matches.isEmpty()) {
            throw new PeerException("unknown peer '" + nameOrId + "' (see /peers)");
        }
        if (matches.size() > 1) {
            throw new PeerException("'" + nameOrId + "' names " + matches.size() + " peers; use a peer id");
        }
        return matches.iterator().next();
    }

    private boolean sendTo(PeerId to, Envelope env) {
        PeerSession s = control.inEventLoop() ? sessions.get(to) : call(() -> sessions.get(to));
        if (log.isTraceEnabled()) {
            log.trace("{} to {} ({})", env.getBodyCase(), to.shortId(), s);
        }
        return s != null && s.send(env);
    }

    /** Encodes {@code env} once and writes the same bytes to every session in {@code to}. */
    private void fanOut(List<PeerId> to, Envelope env) {
        if (to.size() < 2) {
            to.forEach(p -> sendTo(p, env));
            return;
        }
        io.netty.buffer.ByteBuf frame;
        try {
            frame = FrameEncoder.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, env);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            for (PeerId p : to) {
                PeerSession s = sessions.get(p);
                if (s != null) {
                    s.sendFrame(frame.retainedDuplicate());
                }
            }
        } finally {
            frame.release();
        }
    }

    private void deliver(Gossip g, PeerId from) {
        PeerId origin;
        try {
            origin = PeerId.parse(g.getOriginId());
        } catch (IllegalArgumentException e) {
            log.debug("gossip with bad origin id from {}", from);
            return;
        }
        emit(new PeerEvent.MessageReceived(HexFormat.of().formatHex(g.getId().toByteArray()), origin,
                g.getOriginName(), g.getTopic(), g.getPayload().toByteArray(), from, g.getHops(),
                g.getOriginTimeMillis()));
    }

    private void dial(DialTarget target, CompletableFuture<PeerInfo> result, boolean user) {
        if (closed) {
            result.completeExceptionally(new PeerException("node is stopping"));
            return;
        }
        if (target.peerId().isPresent()) {
            PeerSession existing = sessions.get(target.peerId().get());
            if (existing != null) {
                result.complete(PeerInfo.of(existing));
                return;
            }
            if (target.peerId().get().equals(self)) {
                result.completeExceptionally(new PeerException("that is this node's own id"));
                return;
            }
        }
        if (isSelfAddress(target.address())) {
            result.completeExceptionally(new PeerException(target.address() + " is this node's own address"));
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(ioGroup)
                .channel(Transport.best().socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.limits().handshakeTimeout().toMillis())
                .handler(new PeerChannelInitializer(tls, localInfo(), config.limits(), sessionEvents, true, target.peerId()));
        ChannelFuture cf = b.connect(target.address().toSocketAddress());
        dials.put(cf.channel(), new Dial(target, result, user));
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                control.execute(() -> dialFailed(cf.channel(), "cannot connect to " + target.address() + ": "
                        + message(f.cause())));
            }
        });
    }

    private void dialFailed(Channel ch, String reason) {
        Dial d = dials.remove(ch);
        if (d == null) {
            return;
        }
        if (d.user) {
            log.info("{}", reason);
        } else {
            log.debug("{}", reason);
        }
        d.target.peerId().ifPresent(id -> {
            book.failed(id, config.discovery().backoff(), random, clock.millis());
        });
        BootstrapState bs = bootstrap.get(d.target.address());
        if (bs != null) {
            if (bs.failures == 0 && !d.user) {
                emit(new PeerEvent.Error(reason + " (will retry with backoff)"));
            }
            bs.failures++;
            bs.nextAttemptMillis = clock.millis() + config.discovery().backoff().delay(bs.failures, random).toMillis();
        }
        d.result.completeExceptionally(new PeerException(reason));
    }

    private void established(PeerSession s) {
        Dial dial = dials.remove(s.channel());
        if (closed) {
            s.close("peer stopped");
            return;
        }
        PeerSession existing = sessions.get(s.peerId());
        if (existing != null && existing.isOpen()) {
            PeerSession keep = duplicateWinner(existing, s);
            PeerSession drop = keep == existing ? s : existing;
            log.debug("duplicate session with {}: keeping {} one", s.peerId().shortId(),
                    keep.outbound() ? "outbound" : "inbound");
            sessions.put(s.peerId(), keep);
            drop.close(DUPLICATE);
            if (dial != null) {
                dial.result.complete(PeerInfo.of(keep));
            }
            return;
        }
        if (sessions.size() >= config.discovery().maxPeers()) {
            log.warn("refusing {}: peer limit of {} reached", s, config.discovery().maxPeers());
            s.close("peer limit reached");
            if (dial != null) {
                dial.result.completeExceptionally(new PeerException("this node has its maximum of "
                        + config.discovery().maxPeers() + " peers"));
            }
            return;
        }
        sessions.put(s.peerId(), s);
        book.learn(s.peerId(), s.name(), dialableAddrs(s), clock.millis());
        book.succeeded(s.peerId());
        bookDirty = true;
        if (dial != null) {
            BootstrapState bs = bootstrap.get(dial.target.address());
            if (bs != null) {
                bs.learnedId = s.peerId();
                bs.failures = 0;
            }
        }
        router.peerUp(s.peerId());
        if (replacedByPeer.remove(s.peerId()) != null) {
            log.debug("{}: the surviving duplicate session is up", s);
        } else {
            log.info("connected to {} ({}, {})", s, s.outbound() ? "outbound" : "inbound", s.peerId());
            emit(new PeerEvent.PeerConnected(PeerInfo.of(s)));
        }
        if (dial != null) {
            dial.result.complete(PeerInfo.of(s));
        }
        s.send(Envelope.newBuilder().setPexRequest(PeerExchangeRequest.newBuilder().setMax(PEX_MAX)).build());
    }

    /**
     * Of two sessions with the same peer, both sides keep the one dialled by the smaller peer id;
     * if the same side dialled both, the one with the smaller dialer nonce. Both ends see the same
     * ids and nonces, so they compute the same answer and exactly one connection survives.
     */
    private PeerSession duplicateWinner(PeerSession a, PeerSession b) {
        PeerId dialerA = a.outbound() ? self : a.peerId();
        PeerId dialerB = b.outbound() ? self : b.peerId();
        if (dialerA.equals(dialerB)) {
            return a.dialerNonce().compareTo(b.dialerNonce()) <= 0 ? a : b;
        }
        return dialerA.compareTo(dialerB) < 0 ? a : b;
    }

    private void closedSession(PeerSession s, String reason) {
        if (sessions.get(s.peerId()) != s) {
            return; // a refused duplicate: nobody was told about it
        }
        sessions.remove(s.peerId());
        router.peerDown(s.peerId());
        if (reason.endsWith(DUPLICATE)) {
            // the peer kept our other connection, whose handshake is not done here yet: report
            // nothing unless it fails to arrive
            replacedByPeer.put(s.peerId(), PeerInfo.of(s));
            control.schedule(() -> {
                PeerInfo gone = replacedByPeer.remove(s.peerId());
                if (gone != null && !sessions.containsKey(s.peerId())) {
                    emit(new PeerEvent.PeerDisconnected(gone, reason));
                }
            }, config.limits().handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        book.learn(s.peerId(), s.name(), List.of(), clock.millis());
        // do not redial at once: the peer may just have stopped
        book.failed(s.peerId(), config.discovery().backoff(), random, clock.millis());
        bookDirty = true;
        log.info("disconnected from {}: {}", s, reason);
        emit(new PeerEvent.PeerDisconnected(PeerInfo.of(s), reason));
    }

    private void handleEnvelope(PeerSession s, Envelope env) {
        if (log.isTraceEnabled()) {
            log.trace("{} from {}", env.getBodyCase(), s);
        }
        if (sessions.get(s.peerId()) != s) {
            if (!env.hasGossip() && !env.hasDirect()) {
                return;
            }
        }
        switch (env.getBodyCase()) {
            case GOSSIP -> router.onGossip(s.peerId(), env.getGossip());
            case IHAVE -> router.onIHave(s.peerId(), env.getIhave());
            case GRAFT -> router.onGraft(s.peerId(), env.getGraft());
            case PRUNE -> router.onPrune(s.peerId());
            case DIRECT -> {
                Direct d = env.getDirect();
                if (!d.getToId().equals(self.value()) || !d.getFromId().equals(s.peerId().value())) {
                    log.debug("dropping direct message from {} addressed to {} (not relayed)", s, d.getToId());
                    return;
                }
                emit(new PeerEvent.DirectReceived(s.peerId(), s.name(), d.getText()));
            }
            case PEX_REQUEST -> {
                PeerExchange.Builder pex = PeerExchange.newBuilder();
                int max = Math.min(PEX_MAX, Math.max(1, env.getPexRequest().getMax()));
                List<PeerSession> others = new ArrayList<>(sessions.values());
                Collections.shuffle(others, random);
                for (PeerSession o : others) {
                    if (pex.getPeersCount() >= max) {
                        break;
                    }
                    List<HostAndPort> addrs = dialableAddrs(o);
                    if (!o.peerId().equals(s.peerId()) && !addrs.isEmpty()) {
                        pex.addPeers(PeerAddress.newBuilder().setPeerId(o.peerId().value()).setName(o.name())
                                .addAllAddrs(addrs.stream().map(HostAndPort::toString).toList()));
                    }
                }
                s.send(Envelope.newBuilder().setPex(pex).build());
            }
            case PEX -> {
                int learned = 0;
                for (PeerAddress p : env.getPex().getPeersList()) {
                    try {
                        PeerId id = PeerId.parse(p.getPeerId());
                        if (id.equals(self)) {
                            continue;
                        }
                        List<HostAndPort> addrs = new ArrayList<>();
                        for (String a : p.getAddrsList()) {
                            addrs.add(HostAndPort.parse(a));
                        }
                        boolean known = book.get(id).isPresent();
                        book.learn(id, p.getName(), addrs, 0);
                        learned += known ? 0 : 1;
                    } catch (IllegalArgumentException e) {
                        log.debug("bad peer exchange entry from {}: {}", s, e.getMessage());
                    }
                }
                if (learned > 0) {
                    log.debug("learned {} new peers from {}", learned, s);
                    bookDirty = true;
                    fillDegree();
                }
            }
            case APP -> {
                AppProtocol p = protocols.get(env.getApp().getProtocol());
                if (p != null) {
                    p.onMessage(s, env.getApp().getPayload());
                } else {
                    log.debug("no protocol '{}' for a message from {}", env.getApp().getProtocol(), s);
                }
            }
            default -> log.debug("ignoring {} from {}", env.getBodyCase(), s);
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        ticks++;
        long now = clock.millis();
        for (BootstrapState bs : bootstrap.values()) {
            boolean connected = bs.learnedId != null ? sessions.containsKey(bs.learnedId)
                    : bs.target.peerId().map(sessions::containsKey).orElse(false);
            if (!connected && now >= bs.nextAttemptMillis && !dialing(bs.target.address())) {
                dial(bs.target, new CompletableFuture<>(), false);
            }
        }
        fillDegree();
        router.heartbeat();
        long pexEvery = Math.max(1, config.discovery().pexInterval().toMillis()
                / config.discovery().maintenanceInterval().toMillis());
        if (ticks % pexEvery == 0 && !sessions.isEmpty()) {
            List<PeerSession> all = new ArrayList<>(sessions.values());
            all.get(random.nextInt(all.size())).send(Envelope.newBuilder()
                    .setPexRequest(PeerExchangeRequest.newBuilder().setMax(PEX_MAX)).build());
        }
        if (bookDirty) {
            bookDirty = false;
            book.save();
        }
    }

    /** Dials known peers until the outbound target is met (counting dials in flight). */
    private void fillDegree() {
        long outbound = sessions.values().stream().filter(PeerSession::outbound).count() + dials.size();
        int room = config.discovery().maxPeers() - sessions.size() - dials.size();
        long need = Math.min(config.discovery().targetOutbound() - outbound, room);
        if (need <= 0) {
            return;
        }
        long now = clock.millis();
        List<AddressBook.Entry> candidates = new ArrayList<>();
        for (AddressBook.Entry e : book.all()) {
            if (!e.id().equals(self) && !sessions.containsKey(e.id()) && AddressBook.dialable(e, now)
                    && !dialingPeer(e.id())) {
                candidates.add(e);
            }
        }
        Collections.shuffle(candidates, random);
        for (int i = 0; i < need && i < candidates.size(); i++) {
            AddressBook.Entry e = candidates.get(i);
            List<HostAndPort> addrs = e.addrs();
            // rotate through a peer's addresses as attempts fail
            HostAndPort addr = addrs.get(AddressBook.failures(e) % addrs.size());
            dial(DialTarget.of(e.id(), addr), new CompletableFuture<>(), false);
        }
    }

    private boolean dialing(HostAndPort addr) {
        return dials.values().stream().anyMatch(d -> d.target.address().equals(addr));
    }

    private boolean dialingPeer(PeerId id) {
        return dials.values().stream().anyMatch(d -> d.target.peerId().map(id::equals).orElse(false));
    }

    private void onLanAnnouncement(PeerId id, String name, HostAndPort addr) {
        control.execute(() -> {
            if (id.equals(self) || closed) {
                return;
            }
            boolean known = book.get(id).map(e -> e.addrs().contains(addr)).orElse(false);
            book.learn(id, name, List.of(addr), 0);
            if (!known) {
                log.info("LAN discovery: {} ({}) at {}", name, id.shortId(), addr);
                bookDirty = true;
                fillDegree();
            }
        });
    }

    /** Addresses where {@code s}'s node can be dialled: its listen addresses, with a loopback host
     *  replaced by the address it connected from when that is not loopback (another host). */
    private static List<HostAndPort> dialableAddrs(PeerSession s) {
        List<HostAndPort> out = new ArrayList<>();
        boolean remoteLoopback = isLoopback(s.remote().host());
        for (HostAndPort a : s.listenAddrs()) {
            if (isLoopback(a.host()) && !remoteLoopback) {
                HostAndPort fixed = new HostAndPort(s.remote().host(), a.port());
                if (!out.contains(fixed)) {
                    out.add(fixed);
                }
            } else if (!out.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    private static boolean isLoopback(String host) {
        return host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1")
                || host.equalsIgnoreCase("localhost");
    }

    private boolean isSelfAddress(HostAndPort a) {
        HostAndPort l = listenAddress;
        return l != null && a.port() == l.port()
                && (a.host().equals(l.host()) || advertised.contains(a)
                || (l.host().equals("0.0.0.0") && isLoopback(a.host())));
    }

    private List<HostAndPort> computeAdvertised() {
        if (!config.advertise().isEmpty()) {
            return config.advertise();
        }
        int port = listenAddress.port();
        String host = config.listen().host();
        if (!host.equals("0.0.0.0") && !host.equals("::")) {
            return List.of(new HostAndPort(listenAddress.host(), port));
        }
        List<HostAndPort> out = new ArrayList<>();
        List<HostAndPort> loopback = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a.isLinkLocalAddress() || (host.equals("0.0.0.0") && !(a instanceof Inet4Address))) {
                        continue;
                    }
                    (a.isLoopbackAddress() ? loopback : out).add(HostAndPort.of(new InetSocketAddress(a, port)));
                }
            }
        } catch (SocketException e) {
            log.warn("cannot list network interfaces ({}); advertising loopback only", e.toString());
        }
        out.addAll(loopback);
        return out.isEmpty() ? List.of(new HostAndPort("127.0.0.1", port)) : List.copyOf(out);
    }

    private SessionHandler.LocalInfo localInfo() {
        return new SessionHandler.LocalInfo(self, config.name(), advertised, config.networkKey());
    }

    private WriteBufferWaterMark waterMark() {
        int high = (int) Math.min(Integer.MAX_VALUE, config.limits().maxOutboundQueueBytes() / 2);
        return new WriteBufferWaterMark(high / 2, high);
    }

    private void emit(PeerEvent e) {
        try {
            listener.onEvent(e);
        } catch (RuntimeException ex) {
            log.warn("peer listener failed on {}", e.getClass().getSimpleName(), ex);
        }
    }

    private <T> T call(Callable<T> task) {
        if (control.inEventLoop()) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return control.submit(task).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new PeerException("node control loop did not answer within 10 s");
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new PeerException("node is stopped");
        }
    }

    /** "address in use" and "not a local address" in words, whatever the transport's exception. */
    static String bindFailure(Throwable c) {
        String m = String.valueOf(c.getMessage());
        if (m.contains("in use")) {
            return "address in use";
        }
        if (m.contains("assign requested address")) {
            return "not an address of this machine";
        }
        return c instanceof BindException ? "address in use or not local" : m;
    }

    static String message(Throwable t) {
        Throwable c = t;
        while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof PeerException) {
            return c.getMessage();
        }
        if (c instanceof java.net.ConnectException) {
            return "connection refused";
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }

    // ---------------------------------------------------------------- session events -> control

    /** Admits inbound connections within the per-IP limit, then builds the peer pipeline. */
    private final class InboundGate extends ChannelInitializer<SocketChannel> {
        private long lastLog;

        @Override
        protected void initChannel(SocketChannel ch) {
            InetAddress ip = ch.remoteAddress().getAddress();
            AtomicInteger count = inboundPerIp.computeIfAbsent(ip, k -> new AtomicInteger());
            if (count.incrementAndGet() > config.discovery().maxConnectionsPerIp()) {
                count.decrementAndGet();
                long now = System.nanoTime();
                if (now - lastLog > TimeUnit.SECONDS.toNanos(1)) {
                    lastLog = now;
                    log.warn("refusing connection from {}: over {} connections from that address",
                            ip.getHostAddress(), config.discovery().maxConnectionsPerIp());
                }
                ch.close();
                return;
            }
            ch.closeFuture().addListener(f -> {
                if (count.decrementAndGet() <= 0) {
                    inboundPerIp.remove(ip, count);
                }
            });
            new PeerChannelInitializer(tls, localInfo(), config.limits(), sessionEvents, false, Optional.empty())
                    .buildPipeline(ch);
        }
    }

    /** Runs {@code task} on the control loop; after {@link #close()} the loop may be gone: then drop it. */
    private void onControl(Runnable task) {
        try {
            control.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("node stopped; dropping a late session event");
        }
    }

    private final class SessionEvents implements SessionListener {
        @Override
        public void onEstablished(PeerSession session) {
            onControl(() -> established(session));
        }

        @Override
        public void onEnvelope(PeerSession session, Envelope envelope) {
            if (envelope.hasApp()) {
                AppProtocol p = protocols.get(envelope.getApp().getProtocol());
                if (p != null) {
                    p.onMessage(session, envelope.getApp().getPayload());
                    return;
                }
            }
            onControl(() -> handleEnvelope(session, envelope));
        }

        @Override
        public void onBinary(PeerSession session, BinaryFrame frame) {
            AppProtocol p = protocols.get(frame.protocol());
            if (p == null) {
                log.debug("no protocol '{}' for a binary frame from {}", frame.protocol(), session);
                frame.release();
                return;
            }
            p.onBinary(session, frame);
        }

        @Override
        public void onHandshakeFailed(Channel channel, boolean outbound, String reason) {
            if (outbound) {
                onControl(() -> dialFailed(channel, reason));
            }
        }

        @Override
        public void onClosed(PeerSession session, String reason) {
            onControl(() -> closedSession(session, reason));
        }
    }
}
