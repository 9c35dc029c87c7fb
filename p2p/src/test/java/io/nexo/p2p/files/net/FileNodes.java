package io.nexo.p2p.files.net;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/** Real nodes with file exchange on loopback ports, each with its own data dir; closes them all. */
final class FileNodes implements AutoCloseable {

    /** A node, its file exchange and what it reported. */
    record FileNode(String name, PeerNode node, FileExchange files, Path dataDir, Recorder events) {
        void stop() {
            files.close();
            node.close();
        }
    }

    /** Records completions and failures. */
    static final class Recorder implements FileEvents {
        final Map<FileId, Path> completed = new ConcurrentHashMap<>();
        final Map<FileId, String> failed = new ConcurrentHashMap<>();

        @Override
        public void onComplete(FileId id, String name, Path path) {
            completed.put(id, path);
        }

        @Override
        public void onFailed(FileId id, String name, String reason) {
            failed.put(id, reason);
        }
    }

    private final Path root;
    private final List<FileNode> nodes = new ArrayList<>();

    FileNodes(Path root) {
        this.root = root;
    }

    /** Starts node {@code name} with an outbound degree of 1, so it stays connected to what it joins. */
    FileNode start(String name, long uploadBytesPerSecond, FileNode... join) throws Exception {
        return start(name, root.resolve(name), uploadBytesPerSecond, join);
    }

    FileNode start(String name, Path dataDir, long uploadBytesPerSecond, FileNode... join) throws Exception {
        return start(name, dataDir, c -> c.withUploadRate(uploadBytesPerSecond), System::nanoTime, join);
    }

    /** Starts node {@code name} with its file exchange configured by {@code config} and reading {@code clock}. */
    FileNode start(String name, UnaryOperator<FileExchangeConfig> config, LongSupplier clock, FileNode... join)
            throws Exception {
        return start(name, root.resolve(name), config, clock, join);
    }

    /** Starts node {@code name} with its node configuration changed by {@code node} (relay roles...). */
    FileNode startNode(String name, UnaryOperator<PeerNodeConfig> node, FileNode... join) throws Exception {
        return start(name, root.resolve(name), c -> c, System::nanoTime, node, join);
    }

    private FileNode start(String name, Path dataDir, UnaryOperator<FileExchangeConfig> fileConfig,
                           LongSupplier clock, FileNode... join) throws Exception {
        return start(name, dataDir, fileConfig, clock, c -> c, join);
    }

    private FileNode start(String name, Path dataDir, UnaryOperator<FileExchangeConfig> fileConfig,
                           LongSupplier clock, UnaryOperator<PeerNodeConfig> nodeConfig, FileNode... join)
            throws Exception {
        List<DialTarget> targets = new ArrayList<>();
        for (FileNode j : join) {
            targets.add(DialTarget.of(j.node().listenAddress()));
        }
        PeerNodeConfig config = PeerNodeConfig.of(NodeIdentity.loadOrCreate(dataDir), name,
                        new HostAndPort("127.0.0.1", 0))
                .withDataDir(dataDir)
                .withBootstrap(targets)
                .withDiscovery(DiscoveryParams.defaults().withDegree(1, 50));
        config = nodeConfig.apply(config);
        FileExchange.NodeListener toFiles = new FileExchange.NodeListener();
        PeerNode node = new PeerNode(config, toFiles);
        Recorder recorder = new Recorder();
        FileExchange files = new FileExchange(node, fileConfig.apply(FileExchangeConfig.defaults(dataDir)
                .withAnnounceInterval(java.time.Duration.ofSeconds(2))), recorder, clock, new Random());
        toFiles.bind(files);
        files.start();
        node.start();
        FileNode n = new FileNode(name, node, files, dataDir, recorder);
        nodes.add(n);
        return n;
    }

    @Override
    public void close() {
        for (FileNode n : nodes) {
            n.stop();
        }
    }
}
