package io.nexo.cli.peer;

import io.nexo.cli.ExitCodes;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.net.FileEvents;
import io.nexo.p2p.files.net.FileExchange;
import io.nexo.p2p.files.net.FileExchangeConfig;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The file part of {@code nexo demo}: alice shares a file, carol (connected to bob only, bob to
 * alice) sees it offered, fetches it from alice over TLS, and both SHA-256 sums are printed.
 */
public final class FileDemo {

    private static final long WAIT_MS = 30_000;
    private static final int SIZE = 8 * 1024 * 1024 + 4321;

    private final PrintWriter out;

    public FileDemo(PrintWriter out) {
        this.out = out;
    }

    public int run() throws Exception {
        out.println();
        out.println("File exchange: alice shares a file, carol (connected to bob only) fetches and verifies it");
        Path dir = Files.createTempDirectory("nexo-demo-files-");
        List<PeerNode> nodes = new ArrayList<>();
        List<FileExchange> exchanges = new ArrayList<>();
        try {
            Path file = dir.resolve("holiday-video.mp4");
            byte[] bytes = new byte[SIZE];
            new Random(2024).nextBytes(bytes);
            try (OutputStream o = Files.newOutputStream(file)) {
                o.write(bytes);
            }
            CompletableFuture<Path> done = new CompletableFuture<>();
            FileExchange alice = start("alice", dir, null, nodes, exchanges, FileEvents.NONE);
            start("bob", dir, nodes.get(0), nodes, exchanges, FileEvents.NONE);
            FileExchange carol = start("carol", dir, nodes.get(1), nodes, exchanges, new FileEvents() {
                @Override
                public void onComplete(FileId id, String name, Path path) {
                    done.complete(path);
                }

                @Override
                public void onFailed(FileId id, String name, String reason) {
                    done.completeExceptionally(new IOException(reason));
                }
            });
            if (!await(() -> nodes.get(1).peers().size() == 2)) {
                return fail("the peers did not connect");
            }
            FileManifest m = alice.share(file).get(0).manifest();
            FileId id = m.id();
            int last = m.chunkCount() - 1;
            // exact figures: the file is a little over 8 MiB so that the last chunk is a short one
            out.println("  alice  shares holiday-video.mp4 (" + SIZE + " bytes, " + FileConsole.size(SIZE) + "; "
                    + m.chunkCount() + " chunks: " + last + " of " + FileConsole.size(m.chunkSize()) + " and one of "
                    + m.chunkLength(last) + " bytes), id " + id.shortForm() + "...");
            if (!await(() -> carol.files().stream().anyMatch(o -> o.id().equals(id)))) {
                return fail("carol never saw the offer");
            }
            FileExchange.Offer offer = carol.files().stream().filter(o -> o.id().equals(id)).findFirst().orElseThrow();
            out.println("  carol  /files: " + offer.name() + ", " + FileConsole.size(offer.size()) + ", "
                    + offer.peers() + " peer, learned through bob");
            out.println("  carol  /get " + id.shortForm() + "  (dials alice, fetches every chunk, checks each SHA-256)");
            carol.get(id, Optional.empty()).get(WAIT_MS, TimeUnit.MILLISECONDS);
            Path got = done.get(WAIT_MS, TimeUnit.MILLISECONDS);
            String original = sha256(file);
            String copy = sha256(got);
            out.println("  carol  got " + got.getFileName() + ": SHA-256 " + copy.substring(0, 16) + "...");
            out.println("  alice  has          SHA-256 " + original.substring(0, 16) + "...");
            if (!original.equals(copy)) {
                return fail("the copy differs from the original");
            }
            out.println("identical: every chunk was verified on arrival and the root hash of the chunks against the id");
            out.flush();
            return ExitCodes.OK;
        } finally {
            exchanges.forEach(FileExchange::close);
            nodes.forEach(PeerNode::close);
            deleteTree(dir);
        }
    }

    private FileExchange start(String name, Path dir, PeerNode join, List<PeerNode> nodes, List<FileExchange> exchanges,
                               FileEvents events) throws IOException {
        PeerNodeConfig config = PeerNodeConfig.of(NodeIdentity.generate(), name, new HostAndPort("127.0.0.1", 0))
                .withDiscovery(DiscoveryParams.defaults().withDegree(0, 8))
                .withBootstrap(join == null ? List.of() : List.of(DialTarget.of(join.listenAddress())));
        FileExchange.NodeListener toFiles = new FileExchange.NodeListener();
        PeerNode node = new PeerNode(config, toFiles);
        FileExchange fx = new FileExchange(node, FileExchangeConfig.defaults(dir.resolve(name)), events);
        toFiles.bind(fx);
        fx.start();
        node.start();
        nodes.add(node);
        exchanges.add(fx);
        return fx;
    }

    private int fail(String why) {
        out.println("file demo failed: " + why);
        out.flush();
        return ExitCodes.FAILURE;
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(Files.readAllBytes(p));
        return HexFormat.of().formatHex(sha.digest());
    }

    private static boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a demo's scratch space
        }
    }
}
