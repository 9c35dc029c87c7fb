package io.nexo.p2p.node;

import com.google.protobuf.ByteString;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.AddressBook;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.LanDiscovery;
import io.nexo.p2p.discovery.PeerRecords;
import io.nexo.p2p.gossip.GossipRouter;
import io.nexo.p2p.gossip.SignedGossip;
import io.nexo.p2p.gossip.VerifyParams;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.identity.VerifiedSignatures;
import io.nexo.p2p.nat.Reachability;
import io.nexo.p2p.relay.RelayService;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.session.SessionMetrics;
import io.nexo.p2p.tls.PeerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A peer of the nexo network: accepts and dials TLS sessions, keeps its degree, broadcasts by
 * gossip, sends direct messages, and reports what happens to a {@link PeerListener}. This class is
 * the public API and the wiring; each role lives in its own class of this package (see
 * docs/architecture.md).
 *
 * <p>Threading: I/O runs on Netty event loops; all of the node's own state (sessions, gossip,
 * address book, dials) is confined to one {@link ControlLoop}, so it needs no locks. Public methods
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

    private final PeerNodeConfig config;
    private final Clock clock;
    private final boolean ownsGroup;
    private final EventLoopGroup group;
    private final ControlLoop control;
    private final PeerTls tls;
    private final PeerId self;
    private final EventSink events;
    private final AddressBook book;
    private final AppProtocols protocols = new AppProtocols();
    private final SessionTable sessions;
    private final SessionMetrics sessionMetrics = new SessionMetrics();
    private final ResourceManager resources;
    private final GossipRouter router;
    private final SignatureCheck signatures;
    /** Each peer's newest signed record: the only source of addresses learned by peer exchange. */
    private final PeerRecords records;
    /** Sequence number of this node's next broadcast: starts at the clock in microseconds, so it
     *  keeps increasing across restarts (receivers refuse a seqno they already accepted). */
    private long nextSeqno;
    /** For the nonces of closed-network LAN announcements. */
    private final Random random;
    private final PeerChannels channels;
    private final NameResolver resolver;
    private final Dialler dialler;
    private final DegreeKeeper degree;
    private final AddressExchange exchange;
    private final DirectMessages direct;
    private final SessionLifecycle lifecycle;
    private final EnvelopeDispatcher dispatcher;
    private final ConnectionManager connections;
    private final ConnectionStats connectionStats = new ConnectionStats();
    /** The relay this node serves others, or null ({@code --relay off}). */
    private final RelayService relay;
    /** AutoNAT, relay reservations, hole punching, and what the node advertises from them. */
    private final NatTraversal nat;
    private long ticks;

    private volatile boolean started;
    private volatile boolean closed;
    private volatile Channel serverChannel;
    private volatile LanDiscovery lan;
    private volatile ScheduledFuture<?> maintenance;

    public PeerNode(PeerNodeConfig config, PeerListener listener) {
        this(config, listener, Clock.systemUTC(), new SecureRandom(), (EventLoopGroup) null);
    }

    /**
     * @param group event loops to run on (shared by many nodes in one JVM, e.g. the benchmark), or
     *              null for a group of the node's own (2 threads), shut down by {@link #close()}
     */
    public PeerNode(PeerNodeConfig config, PeerListener listener, Clock clock, Random random, EventLoopGroup group) {
        this(config, listener, clock, random, group, VerifiedSignatures.none(), NameResolver.system(clock));
    }

    /** One of many nodes in this process, sharing {@code host}'s event loops and verified signatures. */
    public PeerNode(PeerNodeConfig config, PeerListener listener, Clock clock, Random random, NodeHost host) {
        this(config, listener, clock, random, host.group(), host.signatures(), NameResolver.system(clock));
    }

    /** With the resolver of host names to dial (tests give one that is slow or hangs). */
    PeerNode(PeerNodeConfig config, PeerListener listener, Clock clock, Random random, EventLoopGroup group,
             VerifiedSignatures verified, NameResolver resolver) {
        this.config = config;
        this.clock = clock;
        this.random = random;
        this.ownsGroup = group == null;
        this.group = group != null ? group : Transport.best().newEventLoopGroup(2, "nexo-peer");
        this.control = new ControlLoop(this.group.next());
        // many nodes on one shared group (the benchmark): each node's channels live on its control
        // loop, so a message crosses no thread between arrival and forwarding
        EventLoopGroup ioGroup = ownsGroup ? this.group : control.loop();
        this.tls = new PeerTls(config.identity());
        this.self = config.identity().peerId();
        this.events = new EventSink(listener);
        this.book = new AddressBook(config.dataDir(), config.discovery().addressBookCapacity());
        this.sessions = new SessionTable(self);
        this.sessions.maxFrameBytes(config.limits().maxFrameBytes());
        this.resources = new ResourceManager(config.limits().resources(), System::nanoTime);
        this.signatures = new SignatureCheck(self, VerifyParams.defaults(), clock::millis, verified, sessions::get,
                events::emit);
        this.nextSeqno = Math.multiplyExact(clock.millis(), 1000L);
        this.records = new PeerRecords(config.discovery().addressBookCapacity());
        this.router = new GossipRouter(config.gossip(), sessions, events::delivered, config.gossip().signed() ? signatures : GossipRouter.Validator.ACCEPT_ALL,
                control.loop(), random, System::nanoTime, config.limits().maxFrameBytes());
        this.relay = config.relay().serve()
                ? new RelayService(config.relay().limits(), clock::millis, new SecureRandom()) : null;
        SessionEvents sessionEvents = new SessionEvents(control, resources, protocols);
        this.channels = new PeerChannels(config, tls, ioGroup, sessionEvents, sessionMetrics, resources, relay);
        BootstrapPeers bootstrap = new BootstrapPeers(config.bootstrap(), config.discovery().backoff(), random);
        this.resolver = resolver;
        this.dialler = new Dialler(control, channels, resolver, sessions, book, bootstrap, config.discovery().backoff(),
                clock, random, events, () -> closed, self);
        this.nat = new NatTraversal(config, sessions, channels, control, clock, random, events);
        this.degree = new DegreeKeeper(config.discovery(), self, sessions, dialler, bootstrap, book, clock, random);
        this.exchange = new AddressExchange(self, sessions, book, random, degree::fill, records, signatures,
                nat::record);
        this.direct = new DirectMessages(self, config.name(), control, sessions, book, dialler, random, events);
        this.direct.maxFrameBytes(config.limits().maxFrameBytes());
        this.connections = new ConnectionManager(config.connections(), config.discovery().maxPeers(), clock,
                bootstrap::isBootstrap);
        this.lifecycle = new SessionLifecycle(config.discovery().backoff(),
                config.limits().handshakeTimeout().toMillis(),
                connections, connectionStats, control, sessions, dialler, bootstrap, book, router, exchange, clock,
                random, events, () -> closed);
        nat.onRecordChanged(exchange::pushOwn);
        this.dispatcher = new EnvelopeDispatcher(sessions, router, direct, exchange, relay, nat.reservations(),
                nat.autoNat(), nat.punching());
        sessionEvents.bind(lifecycle, dispatcher, dialler, sessions, signatures, nat.punching(), nat.autoNat(),
                nat.reservations(), relay);
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
        try {
            serverChannel = channels.bind(new InboundGate(config.discovery().maxConnectionsPerIp(),
                    config.connections().maxInboundPerSubnet(), channels, connectionStats));
        } catch (PeerException e) {
            resolver.close();
            shutdownGroup();
            throw e;
        }
        HostAndPort listen = listenAddress();
        log.info("peer {} ({}) listening on {} (TLS {}, advertising {})", config.name(), self, listen,
                tls.providerName(), advertisedAddresses());
        if (config.discovery().lan()) {
            lan = new LanDiscovery(config.discovery(), group, config.identity(), config.name(), listen.port(),
                    config.networkKey(), clock::millis, random, (id, name, addr) -> control.execute(() -> {
                        if (!closed) {
                            degree.announcedOnLan(id, name, addr);
                        }
                    }));
            lan.start();
        }
        control.call(() -> {
            nat.start(); // the first record (reachability unknown)
            events.emit(new PeerEvent.Ready(self, config.name(), listen, advertisedAddresses(), nat.status()));
            tick();
            return null;
        });
        maintenance = control.every(this::tick, config.discovery().maintenanceInterval().toMillis());
        return listen;
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
                closing.addAll(control.call(lifecycle::closeAll));
            } catch (RuntimeException e) {
                log.debug("closing sessions: {}", e.toString());
            }
            for (ChannelFuture f : closing) {
                f.awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
        resolver.close();
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
        PeerAddresses a = channels.addresses();
        return a == null ? null : a.listen();
    }

    /** Direct addresses announced to other peers now (see {@link NatTraversal}: verified ones once known). */
    public List<HostAndPort> advertisedAddresses() {
        PeerAddresses a = channels.addresses();
        return a == null ? List.of() : a.advertised();
    }

    /** The TLS engine in use: "OPENSSL" (BoringSSL) or "JDK". */
    public String tlsProvider() {
        return tls.providerName();
    }

    /** The connected peers, in connection order. */
    public List<PeerInfo> peers() {
        return control.call(() -> sessions.all().stream()
                .map(s -> PeerInfo.of(s).withRefusedMessages(signatures.refusedFrom(s.peerId()))).toList());
    }

    /** Broadcast signatures verified and refused by this node. */
    public SignatureStats signatureStats() {
        return control.call(signatures::stats);
    }

    /** Peers in the address book (connected or not). */
    public List<AddressBook.Entry> knownPeers() {
        return control.call(book::all);
    }

    /** The established session with {@code id}, for protocols built on the node. */
    public Optional<PeerSession> session(PeerId id) {
        return control.call(() -> Optional.ofNullable(sessions.get(id)));
    }

    /** Hole punching (DCUtR) over the session with {@code peer}; true when its session is then direct. */
    public CompletableFuture<Boolean> holePunch(PeerId peer) {
        return control.call(() -> nat.punching().start(peer));
    }

    /** One hole-punch dial to {@code addrs} of {@code peer} from the listening port now (a lab harness's punch). */
    public CompletableFuture<Boolean> punchNow(PeerId peer, List<HostAndPort> addrs) {
        return control.call(() -> nat.punching().dialNow(peer, addrs));
    }

    /** The node's NAT traversal (tests steer hole punching through it). */
    NatTraversal nat() {
        return nat;
    }

    /** True when the session with {@code peer} runs over a hole-punched connection. */
    public boolean isHolePunched(PeerId peer) {
        return control.call(() -> sessions.get(peer) != null && nat.punching().isPunched(sessions.get(peer)));
    }

    /** Sessions in and out, and what the connection manager refused and trimmed so far. */
    public ConnectionCounts connectionCounts() {
        return control.call(() -> connectionStats.snapshot(connections.inboundCount(), connections.outboundCount()));
    }

    /** What the session layer refused (field bounds, rates, floods, queue overflows), over all sessions. */
    public SessionMetrics sessionMetrics() {
        return sessionMetrics;
    }

    /**
     * The node's resource manager: what the node, each peer and each protocol hold now. Protocols
     * reserve here before they take on work for a peer ({@code reservePending}) and release when done.
     */
    public ResourceManager resources() {
        return resources;
    }

    /** The relay this node serves to others (empty with {@code --relay off}): its counters, a test tap. */
    public Optional<RelayService> relay() {
        return Optional.ofNullable(relay);
    }

    /** Where others can reach this node through the relays it holds a reservation on. */
    public List<DialTarget> relayedAddresses() {
        return control.call(nat::relayedAddresses);
    }

    /** Whether peers can dial this node (AutoNAT), and the address a dial-back reached it at. */
    public Reachability.Status reachability() {
        return control.call(nat::status);
    }

    /** The address a peer's dial-back reached this node at, while it is public. */
    public Optional<HostAndPort> verifiedAddress() {
        return control.call(() -> nat.autoNat().verifiedAddress());
    }

    public GossipRouter.Stats gossipStats() {
        return control.call(router::stats);
    }

    /**
     * {@link #gossipStats()} without waiting for the node's loop, for observers polling many nodes;
     * fails with a {@link PeerException} when that loop no longer runs (a node with its own loops stopped).
     */
    public CompletableFuture<GossipRouter.Stats> gossipStatsAsync() {
        CompletableFuture<GossipRouter.Stats> stats = new CompletableFuture<>();
        if (!control.tryExecute(() -> stats.complete(router.stats()))) {
            stats.completeExceptionally(new PeerException("node is stopped"));
        }
        return stats;
    }

    /** Neighbours on Plumtree's eager (tree) links. */
    public Set<PeerId> eagerPeers() {
        return control.call(router::eagerPeers);
    }

    /**
     * Dials {@code target}. Completes with the peer once the session is established (or with the
     * existing one if already connected), or fails with a {@link PeerException} saying why.
     */
    public CompletableFuture<PeerInfo> connect(DialTarget target) {
        CompletableFuture<PeerInfo> result = new CompletableFuture<>();
        if (!control.tryExecute(() -> dialler.dial(target, result, true))) {
            result.completeExceptionally(new PeerException("node is stopped"));
        }
        return result;
    }

    /** Broadcasts a chat line to the whole network; returns the message id (hex). */
    public String broadcast(String text) {
        return publish(CHAT_TOPIC, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Broadcasts {@code payload} under {@code topic}; returns the message id (hex). */
    public String publish(String topic, byte[] payload) {
        ByteString data = ByteString.copyFrom(payload);
        return control.call(() -> HexFormat.of().formatHex((config.gossip().signed() // unsigned: the bench only
                ? router.publish(SignedGossip.sign(config.identity(), config.name(), nextSeqno++, clock.millis(),
                        topic, data))
                : router.publish(self, config.name(), topic, data, clock.millis())).toByteArray()));
    }

    /**
     * Sends {@code text} to one node, named by nickname or peer id. Uses the session with it, or
     * dials it from the address book first. Messages are not relayed through other nodes: the
     * recipient is the TLS peer, so only it can read the message and it knows who sent it.
     */
    public CompletableFuture<PeerInfo> sendDirect(String nameOrId, String text) {
        CompletableFuture<PeerInfo> result = new CompletableFuture<>();
        if (!control.tryExecute(() -> direct.send(nameOrId, text, result))) {
            result.completeExceptionally(new PeerException("node is stopped"));
        }
        return result;
    }

    /** Registers a protocol for the binary frames named {@code protocol}. */
    public void registerProtocol(String protocol, AppProtocol handler) {
        protocols.register(protocol, handler);
    }

    // ---------------------------------------------------------------- control loop

    private void tick() {
        if (closed) {
            return;
        }
        ticks++;
        degree.maintain();
        nat.maintain();
        router.heartbeat();
        long pexEvery = Math.max(1, config.discovery().pexInterval().toMillis()
                / config.discovery().maintenanceInterval().toMillis());
        if (ticks % pexEvery == 0) {
            exchange.askSomeone();
        }
        book.saveIfChanged();
    }
}
