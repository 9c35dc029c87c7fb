package io.nexo.p2p.node;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.unix.Socket;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.nat.DialBackHandler;
import io.nexo.p2p.relay.Preamble;
import io.nexo.p2p.relay.RelayDialHandler;
import io.nexo.p2p.relay.RelayPath;
import io.nexo.p2p.relay.RelayService;
import io.nexo.p2p.relay.RelaySniffer;
import io.nexo.p2p.resource.ResourceManager;
import io.nexo.p2p.session.PeerChannelInitializer;
import io.nexo.p2p.session.SessionHandler;
import io.nexo.p2p.session.SessionListener;
import io.nexo.p2p.session.SessionMetrics;
import io.nexo.p2p.tls.PeerTls;
import io.nexo.p2p.wire.WireLimits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Opens the node's channels: the listening socket, outbound connections, and the peer pipeline of
 * an admitted inbound connection. Knows the node's own addresses once it is bound.
 */
final class PeerChannels {

    private static final Logger log = LoggerFactory.getLogger(PeerChannels.class);
    /** How long a dial-back waits for the other side's OK once connected. */
    private static final long DIAL_BACK_ANSWER_MILLIS = 5_000;

    private final PeerNodeConfig config;
    private final PeerTls tls;
    private final EventLoopGroup ioGroup;
    private final SessionListener events;
    private final SessionMetrics metrics;
    private final ResourceManager resources;
    private final RelayService relay;
    private volatile PeerAddresses addresses;
    /** Told the nonce of each dial-back that reaches the listener (the node's AutoNAT). */
    private volatile Consumer<String> dialBacks = nonce -> { };
    private volatile InetSocketAddress listenSocket;
    private volatile HolePunchDials punches;

    /** @param relay the relay this node serves, or null when it does not ({@code --relay off}) */
    PeerChannels(PeerNodeConfig config, PeerTls tls, EventLoopGroup ioGroup, SessionListener events,
                 SessionMetrics metrics, ResourceManager resources, RelayService relay) {
        this.relay = relay;
        this.metrics = metrics;
        this.resources = resources;
        this.config = config;
        this.tls = tls;
        this.ioGroup = ioGroup;
        this.events = events;
    }

    /**
     * Binds the listen address with {@code gate} admitting each accepted connection.
     *
     * @throws PeerException if the address cannot be bound (in use, not local...)
     */
    Channel bind(ChannelHandler gate) {
        ServerBootstrap sb = new ServerBootstrap()
                .group(ioGroup)
                .channel(Transport.best().serverChannelClass())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .childHandler(gate);
        // address reuse, so that hole-punch dials can leave from the listening port (HolePunchDials)
        sb.option(ChannelOption.SO_REUSEADDR, true);
        if (isEpoll()) {
            sb.option(EpollChannelOption.SO_REUSEPORT, true);
        } else {
            sb.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
        ChannelFuture bind = sb.bind(config.listen().toSocketAddress()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new PeerException("cannot listen on " + config.listen() + ": " + bindFailure(bind.cause()));
        }
        Channel ch = bind.channel();
        InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
        if (config.listen().port() != 0 && PortListeners.overlapping(bound) > 1) {
            // SO_REUSEPORT let us share the port with another node of this user: refuse, as without it
            ch.close().awaitUninterruptibly();
            throw new PeerException("cannot listen on " + config.listen() + ": address in use");
        }
        listenSocket = bound;
        addresses = new PeerAddresses(config.listen(), HostAndPort.of((InetSocketAddress) ch.localAddress()),
                config.advertise());
        return ch;
    }

    /** The node's own addresses; null before {@link #bind}. */
    PeerAddresses addresses() {
        return addresses;
    }

    /**
     * Starts a connection to {@code to} (already resolved) that must prove {@code target}'s pinned id;
     * for a relayed target, {@code to} is the relay, asked for a circuit first.
     */
    ChannelFuture connect(DialTarget target, InetSocketAddress to) {
        if (!target.viaRelay()) {
            return bootstrap(peerInit(true, target.peerId())).connect(to);
        }
        PeerId id = target.peerId().orElseThrow();
        return bootstrap(relayed(Preamble.connect(id), HostAndPort.of(to),
                ch -> peerInit(true, target.peerId()).buildPipeline((SocketChannel) ch),
                (ch, reason) -> events.onHandshakeFailed(ch, true, "cannot reach " + id.shortId() + " through "
                        + reason))).connect(to);
    }

    /**
     * Answers a circuit the relay at {@code relayAddress} announced with {@code token}: a new
     * connection to it, where this node is the TLS server of the peer that asked for the circuit.
     */
    void acceptCircuit(HostAndPort relayAddress, byte[] token) {
        bootstrap(relayed(Preamble.accept(token), relayAddress,
                ch -> peerInit(false, Optional.empty()).buildPipeline((SocketChannel) ch),
                (ch, reason) -> log.info("relayed connection not opened: {}", reason)))
                .connect(relayAddress.toSocketAddress());
    }

    /**
     * An admitted inbound connection: the sniffer first, which builds the peer pipeline for TLS, or
     * handles a preamble line (relay request, dial-back).
     */
    void initInbound(SocketChannel ch) {
        // a hole punch from an expected address takes its agreed role at once: as TLS client it must
        // speak first, so it cannot wait for the sniffer's first byte
        HolePunchDials p = punches;
        Optional<HolePunchDials.Expected> punched = p == null ? Optional.empty() : p.accepted(ch);
        if (punched.isPresent()) {
            peerInit(punched.get().tlsClient(), Optional.of(punched.get().peer())).buildPipeline(ch);
            return;
        }
        ch.pipeline().addLast("sniffer", new RelaySniffer(relay, nonce -> dialBacks.accept(nonce),
                c -> peerInit(false, Optional.empty()).buildPipeline((SocketChannel) c),
                config.limits().handshakeTimeout().toMillis()));
    }

    void onDialBack(Consumer<String> sink) {
        this.dialBacks = sink;
    }

    /**
     * AutoNAT's dial-back: connects to {@code to} (the requester's observed IP, its listening port)
     * and sends the nonce; {@code done} is told null when a node there took it, else why not.
     */
    void dialBack(InetSocketAddress to, String nonceHex, Consumer<String> done) {
        bootstrap(new DialBackHandler(nonceHex, done, DIAL_BACK_ANSWER_MILLIS)).connect(to).addListener(f -> {
            if (!f.isSuccess()) {
                done.accept(ConnectFailure.describe(f.cause()));
            }
        });
    }

    private Bootstrap bootstrap(ChannelHandler handler) {
        return new Bootstrap()
                .group(ioGroup)
                .channel(Transport.best().socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.limits().handshakeTimeout().toMillis())
                .handler(handler);
    }

    private PeerChannelInitializer peerInit(boolean outbound, Optional<PeerId> expected) {
        return new PeerChannelInitializer(tls, localInfo(), config.limits(), events, outbound, expected, metrics,
                resources);
    }

    /** A connection to a relay: marked relayed, preamble first, the peer pipeline after the relay's OK. */
    private ChannelInitializer<SocketChannel> relayed(String request, HostAndPort relayAddress,
                                                     Consumer<Channel> peerPipeline,
                                                     BiConsumer<Channel, String> failed) {
        long timeout = config.limits().handshakeTimeout().toMillis();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                RelayPath.markRelayed(ch);
                ch.pipeline().addLast("relay", new RelayDialHandler(request, relayAddress.toString(), peerPipeline,
                        failed, timeout));
            }
        };
    }

    /**
     * A hole-punch dial to {@code to}, leaving from the listening port, pinned to {@code peer}; the
     * TLS client only when {@code tlsClient} (both sides dial: the roles are agreed, not taken from
     * who connected).
     */
    ChannelFuture punch(PeerId peer, InetSocketAddress to, boolean tlsClient, int timeoutMillis) {
        Bootstrap b = new Bootstrap()
                .group(ioGroup)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new PeerChannelInitializer(tls, localInfo(), config.limits(), events, tlsClient,
                        Optional.of(peer), metrics, resources));
        if (isEpoll()) {
            b.channelFactory(PeerChannels::reusePortEpollSocket);
        } else {
            b.channel(Transport.best().socketChannelClass())
                    .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
        return b.connect(to, new InetSocketAddress(listenSocket.getAddress(), listenSocket.getPort()));
    }

    /** Hole punches in progress: an accepted connection from an address being punched takes the agreed role. */
    void punches(HolePunchDials dials) {
        punches = dials;
    }

    /**
     * An epoll socket with SO_REUSEPORT set before it is bound: Netty's epoll client socket does not
     * take the option (only server sockets do), and a punch dial must leave from the listening port.
     */
    private static EpollSocketChannel reusePortEpollSocket() {
        EpollSocketChannel ch = new EpollSocketChannel();
        try {
            ((Socket) ch.fd()).setReusePort(true);
        } catch (IOException e) {
            ch.unsafe().closeForcibly();
            throw new ChannelException("cannot set SO_REUSEPORT", e);
        }
        return ch;
    }

    private static boolean isEpoll() {
        return Transport.best().socketChannelClass() == EpollSocketChannel.class;
    }

    private SessionHandler.LocalInfo localInfo() {
        // peers refuse a Welcome with more addresses than that (a wildcard bind may find more)
        List<HostAndPort> advertised = addresses.advertised();
        return new SessionHandler.LocalInfo(config.identity().peerId(), config.name(),
                advertised.subList(0, Math.min(advertised.size(), WireLimits.MAX_ADDRS)), config.networkKey());
    }

    private WriteBufferWaterMark waterMark() {
        int high = (int) Math.min(Integer.MAX_VALUE, config.limits().maxOutboundQueueBytes() / 2);
        return new WriteBufferWaterMark(high / 2, high);
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
}
