package io.nexo.cli.peer;

import io.nexo.cli.ExitCodes;
import io.nexo.cli.UsageException;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.files.net.FileExchange;
import io.nexo.p2p.files.net.FileExchangeConfig;
import io.nexo.p2p.files.net.FileFrames;
import io.nexo.p2p.gossip.GossipParams;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.ConnectionLimits;
import io.nexo.p2p.node.DataDirLock;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerException;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.plaintext.PlaintextChat;
import io.nexo.p2p.resource.ResourceLimits;
import io.nexo.p2p.session.SessionLimits;
import io.nexo.p2p.tls.NetworkKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code nexo peer}: a node of the peer-to-peer network, with a chat console. With no flags at all
 * it asks, like the seed program, whether to listen ({@code s}) or connect ({@code c}).
 *
 * <p>Size: about 510 lines, over 450: most of it is the 34 documented option declarations of the
 * command (the file limits are already a mixin, {@link FileLimitOptions}) and their translation into
 * {@code PeerNodeConfig}; the console and the file commands live in their own classes.
 */
@Command(name = "peer",
        mixinStandardHelpOptions = true,
        header = "Runs a peer-to-peer node: broadcast, direct messages, files.",
        sortOptions = false,
        description = {
                "Runs a node of the nexo peer-to-peer network. A line typed goes to every node",
                "of the network; /msg reaches one. Every session is mutual TLS 1.3; the node's",
                "identity is kept in --data-dir. With no options at all it asks, as the seed",
                "did: (s) listen on 127.0.0.1:5000, or (c) connect to IP:PORT.",
                "",
                "Console commands: TEXT, /msg NAME-or-PEERID TEXT, /peers,",
                "/connect [PEERID@]HOST:PORT, /share PATH, /files, /get ID [DEST],",
                "/downloads, /cancel ID, /limits, /help, /quit (or exit).",
                ""})
public final class PeerCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(PeerCommand.class);
    static final HostAndPort SEED_ADDRESS = new HostAndPort("127.0.0.1", 5000);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:5000",
            description = "Accept peers here (default: ${DEFAULT-VALUE}); IPv6 in brackets ([::1]:5000); 0.0.0.0:PORT or [::]:PORT for every interface, port 0 for any free port.")
    HostAndPort listen;

    @Option(names = "--join", paramLabel = "[PEERID@]HOST:PORT", converter = DialTargetConverter.class,
            description = "Dial this peer at start and whenever it is lost (repeatable), e.g. 127.0.0.1:5000 or PEERID@[::1]:5000. PEERID@ refuses any other identity.")
    List<DialTarget> join = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", description = "Nickname shown to others (default: the start of the peer id).")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keeps the node key and the address book; one node at a time (default: $XDG_DATA_HOME/nexo when set, else $HOME/.nexo).")
    Path dataDir;

    @Option(names = "--network-key", paramLabel = "FILE",
            description = "Closed network: only nodes with the same key file can connect; the file must look like >= 128 random bits (make one with --new-network-key FILE).")
    Path networkKey;

    @Option(names = "--new-network-key", paramLabel = "FILE",
            description = "Write a new random network key (32 bytes, hex, mode 0600) to FILE, which must not exist, and exit.")
    Path newNetworkKey;

    @Option(names = "--advertise", paramLabel = "HOST:PORT",
            description = "Address(es) other peers should dial (repeatable; default: derived from --listen).")
    List<HostAndPort> advertise = new ArrayList<>();

    @Option(names = "--target-peers", paramLabel = "N", defaultValue = "6",
            description = "Outbound peers to keep, dialled from the address book (default: ${DEFAULT-VALUE}).")
    int targetPeers;

    @Option(names = "--max-peers", paramLabel = "N", defaultValue = "50",
            description = "Peers in total, inbound and outbound; when full, an outbound or --join peer trims an inbound one (default: ${DEFAULT-VALUE}).")
    int maxPeers;

    @Option(names = "--max-inbound", paramLabel = "N", defaultValue = "" + ConnectionLimits.DEFAULT_MAX_INBOUND,
            description = "Inbound peers at most; beyond it the least useful are trimmed to --inbound-low-water (default: ${DEFAULT-VALUE}).")
    int maxInbound;

    @Option(names = "--inbound-low-water", paramLabel = "N",
            description = "Inbound peers left after a trim (default: 4/5 of --max-inbound).")
    Integer inboundLowWater;

    @Option(names = "--max-inbound-per-subnet", paramLabel = "N", defaultValue = "" + ConnectionLimits.DEFAULT_MAX_INBOUND_PER_SUBNET,
            description = "Inbound connections from one IPv4 /24 or IPv6 /64 (default: ${DEFAULT-VALUE}).")
    int maxInboundPerSubnet;

    @Option(names = "--inbound-grace", paramLabel = "DURATION", defaultValue = "20s",
            description = "A new inbound peer is not trimmed for this long, e.g. 20s (default: ${DEFAULT-VALUE}).")
    Duration inboundGrace;

    @Option(names = "--lan", description = "Find peers on the local network by UDP multicast (239.255.77.77:5077).")
    boolean lan;

    @Option(names = "--json", description = "Print one JSON object per event; commands are still read from stdin.")
    boolean json;

    @Option(names = "--no-console",
            description = "Do not read commands from stdin; run until stopped (SIGTERM, Ctrl-C). For services.")
    boolean noConsole;

    @Option(names = "--plaintext",
            description = "INSECURE: raw text lines over plain TCP, as the seed's chat (nc can join). No encryption, no identity, no gossip.")
    boolean plaintext;

    @Option(names = "--max-message-size", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Largest frame accepted or sent; a bigger one received closes that connection, "
                    + "a broadcast that would outgrow it is refused (default: ${DEFAULT-VALUE}).")
    int maxMessageSize;

    @Option(names = "--rate-limit", paramLabel = "MSGS", defaultValue = "500",
            description = "Messages per second accepted from one peer; the excess is dropped and logged (default: ${DEFAULT-VALUE}).")
    int rateLimit;

    @Option(names = "--max-outbound-queue", paramLabel = "BYTES", defaultValue = "8388608",
            description = "Bytes queued to one peer before it is dropped as not reading (default: ${DEFAULT-VALUE}).")
    long maxOutboundQueue;

    @Option(names = "--byte-rate", paramLabel = "BYTES", defaultValue = "8388608",
            description = "Bytes per second accepted from one peer for each protocol (gossip, direct, exchange, app); "
                    + "the excess is dropped, a peer that keeps over it is disconnected (default: ${DEFAULT-VALUE}).")
    long byteRate;

    @Option(names = "--max-node-outbound", paramLabel = "BYTES", defaultValue = "268435456",
            description = "Bytes queued to all peers together; over it, messages are not sent (default: ${DEFAULT-VALUE}).")
    long maxNodeOutbound;

    @Option(names = "--max-pending", paramLabel = "BYTES", defaultValue = "134217728",
            description = "Bytes of received messages waiting to be handled, from all peers; over it, "
                    + "messages are dropped (default: ${DEFAULT-VALUE}).")
    long maxPending;

    @Option(names = "--max-peer-pending", paramLabel = "BYTES", defaultValue = "16777216",
            description = "Of those, from one peer (default: ${DEFAULT-VALUE}).")
    long maxPeerPending;

    @Option(names = "--max-protocol-pending", paramLabel = "BYTES", defaultValue = "100663296",
            description = "Of those, for one protocol: gossip, direct, exchange, files, app (default: ${DEFAULT-VALUE}).")
    long maxProtocolPending;

    @Option(names = "--max-peer-pending-requests", paramLabel = "N", defaultValue = "4096",
            description = "Received messages from one peer waiting to be handled, whatever their size "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxPeerPendingRequests;

    @Option(names = "--max-conns-per-ip", paramLabel = "N", defaultValue = "16",
            description = "Inbound connections from one IP address (default: ${DEFAULT-VALUE}).")
    int maxConnsPerIp;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "TLS and hello must finish within this, e.g. 10s or 500ms (default: ${DEFAULT-VALUE}).")
    Duration handshakeTimeout;

    @Option(names = "--gossip", paramLabel = "MODE", defaultValue = "plumtree",
            description = "Broadcast: plumtree (tree push, lazy repair) or flood (default: ${DEFAULT-VALUE}).")
    String gossip;

    @Option(names = "--share", paramLabel = "PATH",
            description = "Share this file, or every file in this folder, at start (repeatable).")
    List<Path> share = new ArrayList<>();

    @Option(names = "--downloads", paramLabel = "DIR",
            description = "Where /get puts finished files (default: DATA-DIR/downloads).")
    Path downloads;

    @Option(names = "--max-uploads", paramLabel = "N", defaultValue = "16",
            description = "Chunks sent at once to all peers; further requests are answered busy (default: ${DEFAULT-VALUE}).")
    int maxUploads;

    @Option(names = "--max-uploads-per-peer", paramLabel = "N", defaultValue = "4",
            description = "Chunks sent at once to one peer (default: ${DEFAULT-VALUE}).")
    int maxUploadsPerPeer;

    @Option(names = "--upload-rate", paramLabel = "BYTES", defaultValue = "0",
            description = "Cap on upload bytes per second over all peers, 0 for none (default: ${DEFAULT-VALUE}).")
    long uploadRate;

    @CommandLine.Mixin
    FileLimitOptions fileLimits = new FileLimitOptions();

    @CommandLine.Mixin
    RelayOptions relay = new RelayOptions();

    /** Where commands come from; tests replace it. */
    InputStream in = System.in;
    /** Whether stdin is a terminal (then the console is JLine's); tests replace it. */
    boolean terminal = System.console() != null;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (newNetworkKey != null) {
            return writeNetworkKey(out);
        }
        if (!noConsole) {
            // the console prints every event already; per-connection INFO logs on the same screen
            // would only repeat them (NEXO_LOG_LEVEL=INFO brings them back)
            io.nexo.cli.Logging.quietUnlessAsked();
        }
        boolean ask = spec.commandLine().getParseResult().expandedArgs().isEmpty();
        try (ConsoleIO io = terminal && !json && !noConsole ? ConsoleIO.terminal() : ConsoleIO.plain(in, out)) {
            EventFormat format = new EventFormat(json);
            HostAndPort listenAt = listen;
            List<DialTarget> connectNow = new ArrayList<>();
            if (ask) {
                Optional<DialTarget> choice = askSeedQuestions(io);
                if (choice == null) {
                    return ExitCodes.OK; // end of input before an answer
                }
                if (choice.isPresent()) {
                    connectNow.add(choice.get());
                    listenAt = new HostAndPort("127.0.0.1", 0);
                }
            }
            if (plaintext) {
                return runPlaintext(io, format, listenAt, connectNow);
            }
            return runNode(io, format, listenAt, connectNow);
        }
    }

    /**
     * The seed's questions. Returns empty for "server", the target for "connect", null at end of input.
     */
    private Optional<DialTarget> askSeedQuestions(ConsoleIO io) throws IOException {
        while (true) {
            String answer = io.readLine("Start as server (s) or connect to a peer (c)? ");
            if (answer == null) {
                return null;
            }
            answer = answer.strip().toLowerCase();
            if (answer.equals("s")) {
                return Optional.empty();
            }
            if (answer.equals("c")) {
                String ip = io.readLine("Peer IP [127.0.0.1]: ");
                String port = ip == null ? null : io.readLine("Peer port [5000]: ");
                if (port == null) {
                    return null;
                }
                String host = ip.isBlank() ? "127.0.0.1" : ip.strip();
                String portText = port.isBlank() ? "5000" : port.strip();
                try {
                    return Optional.of(DialTarget.parse(host.contains(":") && !host.startsWith("[")
                            ? "[" + host + "]:" + portText : host + ":" + portText));
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            io.println("please answer s or c");
        }
    }

    private int runNode(ConsoleIO io, EventFormat format, HostAndPort listenAt, List<DialTarget> connectNow)
            throws IOException, InterruptedException {
        Optional<NetworkKey> key = Optional.ofNullable(networkKey).map(NetworkKey::fromFile);
        if (dataDir == null) {
            dataDir = DefaultDataDir.resolve(System.getenv(), System.getProperty("user.home"));
        }
        Optional<DataDirLock> lock = DataDirLock.tryLock(dataDir);
        if (lock.isEmpty()) {
            // a second process would share the identity and download into the same part files
            throw new UsageException("data dir " + dataDir + " is in use by another nexo peer; give each node its own --data-dir");
        }
        PeerNodeConfig config;
        FileExchangeConfig fileConfig;
        try {
            config = buildConfig(NodeIdentity.loadOrCreate(dataDir), listenAt, key);
            fileConfig = fileConfig();
        } catch (IOException | RuntimeException e) {
            closeQuietly(lock); // a bad flag: the next run (or test) in this JVM must find it free
            throw e;
        }
        PeerConsole console = new PeerConsole(io, format);
        FileConsole fileConsole = new FileConsole(io, format);
        FileExchange.NodeListener toFiles = new FileExchange.NodeListener();
        PeerNode node = new PeerNode(config, event -> {
            toFiles.onEvent(event);
            // file announcements travel as gossip too, but they are not chat
            if (!(event instanceof PeerEvent.MessageReceived m && FileFrames.PROTOCOL.equals(m.topic()))) {
                console.onEvent(event);
            }
        });
        console.attach(node);
        FileExchange files = new FileExchange(node, fileConfig, fileConsole);
        toFiles.bind(files);
        fileConsole.attach(files);
        console.attachFiles(fileConsole);
        try {
            files.start();
            node.start();
        } catch (PeerException e) {
            files.close();
            closeQuietly(lock);
            throw new UsageException(e.getMessage(), e);
        }
        for (Path p : share) {
            fileConsole.share(p);
        }
        Thread hook = new Thread(() -> {
            files.close();
            node.close();
            closeQuietly(lock);
        }, "nexo-peer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (DialTarget t : connectNow) {
                node.connect(t).whenComplete((info, err) -> {
                    if (err != null) {
                        io.println(format.error(PeerConsole.unwrap(err)));
                    }
                });
            }
            if (noConsole) {
                new CountDownLatch(1).await(); // until a signal runs the shutdown hook
            } else {
                console.run(); // until /quit, exit or end of input
            }
        } finally {
            files.close();
            node.close();
            closeQuietly(lock);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
        return ExitCodes.OK;
    }

    /**
     * File exchange settings from the flags. Unfinished downloads keep their state in the data dir
     * (DATA-DIR/transfers).
     */
    private FileExchangeConfig fileConfig() throws IOException {
        positive("--max-uploads", maxUploads);
        if (maxUploadsPerPeer <= 0 || maxUploadsPerPeer > maxUploads) {
            throw new UsageException("--max-uploads-per-peer: " + maxUploadsPerPeer + " (expected: 1-" + maxUploads + ")");
        }
        if (uploadRate < 0) {
            throw new UsageException("--upload-rate: " + uploadRate + " (expected: >= 0, 0 = no cap)");
        }
        for (Path p : share) {
            if (!Files.exists(p)) {
                throw new UsageException("--share: " + p + " does not exist");
            }
        }
        FileExchangeConfig c = FileExchangeConfig.defaults(dataDir)
                .withDownloadsDir(downloads != null ? downloads : dataDir.resolve("downloads"))
                .withUploads(maxUploads, maxUploadsPerPeer)
                .withUploadRate(uploadRate)
                .withLimits(fileLimits.limits());
        return c;
    }

    private PeerNodeConfig buildConfig(NodeIdentity identity, HostAndPort listenAt, Optional<NetworkKey> key) {
        GossipParams.Mode mode;
        try {
            mode = GossipParams.Mode.valueOf(gossip.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--gossip: '" + gossip + "' (expected: plumtree or flood)");
        }
        SessionLimits limits = SessionLimits.defaults()
                .withMaxFrameBytes(maxMessageSize)
                .withMaxOutboundQueueBytes(maxOutboundQueue)
                .withRate(rateLimit, Math.max(rateLimit * 2, 1))
                .withHandshakeTimeout(positive("--handshake-timeout", handshakeTimeout))
                .withByteRate(atLeast("--byte-rate", byteRate, 1024))
                .withResources(resourceLimits());
        DiscoveryParams discovery = DiscoveryParams.defaults().withDegree(targetPeers, maxPeers)
                .withMaxConnectionsPerIp(maxConnsPerIp)
                .withLan(lan, DiscoveryParams.DEFAULT_LAN_GROUP, DiscoveryParams.defaults().lanInterval());
        PeerNodeConfig config = new PeerNodeConfig(identity, name != null ? name : identity.peerId().shortId(),
                listenAt, advertise, join, Optional.of(dataDir), key, limits,
                GossipParams.defaults().withMode(mode), discovery, connectionLimits(), relay.config());
        return config;
    }

    /** The connection manager's flags -> its record; a bad value names the flag. */
    private ConnectionLimits connectionLimits() {
        try {
            return new ConnectionLimits(maxInbound, inboundLowWater != null ? inboundLowWater
                    : Math.max(0, maxInbound) * 4 / 5, maxInboundPerSubnet, inboundGrace);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            for (String[] f : new String[][] {{"maxInboundPerSubnet", "--max-inbound-per-subnet"},
                    {"maxInbound", "--max-inbound"}, {"inboundLowWater", "--inbound-low-water"}}) {
                m = m.replace(f[0] + ":", f[1] + ":").replace("at most " + f[0], "at most " + f[1]);
            }
            throw new UsageException(m);
        }
    }

    private ResourceLimits resourceLimits() {
        long mib = 1 << 20;
        atLeast("--max-node-outbound", maxNodeOutbound, mib);
        atLeast("--max-pending", maxPending, mib);
        atLeast("--max-peer-pending", maxPeerPending, mib);
        atLeast("--max-protocol-pending", maxProtocolPending, mib);
        atLeast("--max-peer-pending-requests", maxPeerPendingRequests, 16);
        if (maxPeerPending > maxPending) {
            throw new UsageException("--max-peer-pending: " + maxPeerPending + " (expected: <= --max-pending "
                    + maxPending + ")");
        }
        return new ResourceLimits(maxNodeOutbound, maxPending, maxPeerPending, maxProtocolPending,
                maxPeerPendingRequests);
    }

    private static long atLeast(String flag, long v, long min) {
        if (v < min) {
            throw new UsageException(flag + ": " + v + " (expected: >= " + min + ")");
        }
        return v;
    }

    private static int positive(String flag, int v) {
        if (v <= 0) {
            throw new UsageException(flag + ": " + v + " (expected: > 0)");
        }
        return v;
    }

    private static Duration positive(String flag, Duration d) {
        if (d.isZero()) {
            throw new UsageException(flag + ": 0 (expected: > 0, e.g. 10s)");
        }
        return d;
    }

    private int runPlaintext(ConsoleIO io, EventFormat format, HostAndPort listenAt, List<DialTarget> connectNow)
            throws IOException {
        io.println(format.error("WARNING: --plaintext: messages travel unencrypted and unauthenticated; "
                + "anyone on the network can read and forge them"));
        PlaintextConsole console = new PlaintextConsole(io, format);
        try (PlaintextChat chat = new PlaintextChat(listenAt, maxMessageSize, console)) {
            console.attach(chat);
            HostAndPort bound;
            try {
                bound = chat.start();
            } catch (PeerException e) {
                throw new UsageException(e.getMessage(), e);
            }
            io.println(format.json() ? Json.object(EventFormat.map("event", "ready", "peerId", null,
                    "listen", bound.toString(), "plaintext", true))
                    : "plaintext chat listening on " + bound + "; type lines to send them");
            List<DialTarget> all = new ArrayList<>(connectNow);
            all.addAll(join);
            for (DialTarget t : all) {
                chat.connect(t.address()).whenComplete((p, err) -> {
                    if (err != null) {
                        io.println(format.error(PeerConsole.unwrap(err)));
                    }
                });
            }
            console.run();
        }
        return ExitCodes.OK;
    }

    private int writeNetworkKey(PrintWriter out) {
        try {
            NetworkKey.writeNew(newNetworkKey, new java.security.SecureRandom());
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UsageException("--new-network-key: " + newNetworkKey + " already exists (a key is never overwritten)");
        } catch (IOException e) {
            throw new UsageException("--new-network-key: cannot write " + newNetworkKey + ": " + e.getMessage(), e);
        }
        out.println("wrote a new network key to " + newNetworkKey + "; copy it to every node of the network and run "
                + "nexo peer --network-key " + newNetworkKey);
        return ExitCodes.OK;
    }

    private static void closeQuietly(Optional<DataDirLock> lock) {
        lock.ifPresent(l -> {
            try {
                l.close();
            } catch (IOException | RuntimeException e) {
                log.debug("releasing the data dir lock: {}", e.toString());
            }
        });
    }
}
