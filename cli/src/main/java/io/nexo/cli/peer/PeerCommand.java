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
import io.nexo.p2p.node.DataDirLock;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerException;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.plaintext.PlaintextChat;
import io.nexo.p2p.tls.NetworkKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
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
 * <p>Option groups are mixins of their own ({@link ConnectionOptions}, {@link SessionLimitOptions},
 * {@link FileOptions}, {@link FileLimitOptions}), declared where their flags appear in {@code --help};
 * the console and the file commands live in their own classes.
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

    @CommandLine.Mixin
    ConnectionOptions connections = new ConnectionOptions();

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

    @CommandLine.Mixin
    SessionLimitOptions limits = new SessionLimitOptions();

    @Option(names = "--gossip", paramLabel = "MODE", defaultValue = "plumtree",
            description = "Broadcast: plumtree (tree push, lazy repair) or flood (default: ${DEFAULT-VALUE}).")
    String gossip;

    @Option(names = "--gossip-backup-wait", paramLabel = "MS", defaultValue = "0",
            description = "Plumtree backup links, grafting a backup's id after MS ms (1-400); 0: off (default: ${DEFAULT-VALUE}). "
                    + "Far fewer duplicate copies on large networks; where hops take longer than MS, needless grafts, "
                    + "so a node whose timers run later than MS/2 keeps the plain eager floor for a while.")
    long gossipBackupWaitMillis;

    @CommandLine.Mixin
    FileOptions files = new FileOptions();

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
            fileConfig = files.config(dataDir, fileLimits);
        } catch (RuntimeException e) {
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
        FileExchange exchange = new FileExchange(node, fileConfig, fileConsole);
        toFiles.bind(exchange);
        fileConsole.attach(exchange);
        console.attachFiles(fileConsole);
        try {
            exchange.start();
            node.start();
        } catch (PeerException e) {
            exchange.close();
            closeQuietly(lock);
            throw new UsageException(e.getMessage(), e);
        }
        for (Path p : files.share) {
            fileConsole.share(p);
        }
        Thread hook = new Thread(() -> {
            exchange.close();
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
            exchange.close();
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

    private PeerNodeConfig buildConfig(NodeIdentity identity, HostAndPort listenAt, Optional<NetworkKey> key) {
        GossipParams.Mode mode;
        try {
            mode = GossipParams.Mode.valueOf(gossip.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--gossip: '" + gossip + "' (expected: plumtree or flood)");
        }
        long maxWait = GossipParams.defaults().graftTimeout().toMillis();
        if (gossipBackupWaitMillis < 0 || gossipBackupWaitMillis > maxWait) {
            throw new UsageException("--gossip-backup-wait: " + gossipBackupWaitMillis
                    + " (expected: 0 (off) to " + maxWait + " ms)");
        }
        DiscoveryParams discovery = DiscoveryParams.defaults().withDegree(connections.targetPeers, connections.maxPeers)
                .withMaxConnectionsPerIp(limits.maxConnsPerIp)
                .withLan(lan, DiscoveryParams.DEFAULT_LAN_GROUP, DiscoveryParams.defaults().lanInterval());
        PeerNodeConfig config = new PeerNodeConfig(identity, name != null ? name : identity.peerId().shortId(),
                listenAt, advertise, join, Optional.of(dataDir), key, limits.limits(),
                GossipParams.defaults().withMode(mode).withBackupWait(Duration.ofMillis(gossipBackupWaitMillis)),
                discovery, connections.limits(), relay.config());
        return config;
    }

    private int runPlaintext(ConsoleIO io, EventFormat format, HostAndPort listenAt, List<DialTarget> connectNow)
            throws IOException {
        io.println(format.error("WARNING: --plaintext: messages travel unencrypted and unauthenticated; "
                + "anyone on the network can read and forge them"));
        PlaintextConsole console = new PlaintextConsole(io, format);
        try (PlaintextChat chat = new PlaintextChat(listenAt, limits.maxMessageSize, console)) {
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
