package io.nexo.p2p.files.net;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBufAllocator;
import io.nexo.p2p.files.FileHasher;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.FileManifest;
import io.nexo.p2p.files.proto.Catalog;
import io.nexo.p2p.files.proto.FileAnnounce;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.FileOffer;
import io.nexo.p2p.files.proto.Manifest;
import io.nexo.p2p.files.proto.Refuse;
import io.nexo.p2p.gossip.SignedGossip;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.node.AppProtocol;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.BinaryFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Mallory, a real node with a real session to the downloader C, speaks for others: holders that do
 * not exist, a withdrawal of the real holder's offer, a manifest nobody asked her for and a refusal
 * in the holder's place. C ignores all of it and the honest download works.
 */
class FileForgeryTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int CHUNK = FileManifest.MIN_CHUNK_SIZE;

    @TempDir
    Path tmp;

    private FileNodes nodes;
    private final TestNodes plain = new TestNodes();

    @BeforeEach
    void setUp() {
        nodes = new FileNodes(tmp.resolve("nodes"));
    }

    @AfterEach
    void tearDown() {
        plain.close();
        nodes.close();
    }

    private Path file(String name, int bytes) throws Exception {
        byte[] data = new byte[bytes];
        new Random(7).nextBytes(data);
        Files.createDirectories(tmp.resolve("src"));
        return Files.write(tmp.resolve("src").resolve(name), data);
    }

    private static void sendFiles(PeerNode from, PeerNode to, FileMessage msg) {
        PeerSession s = from.session(to.peerId()).orElseThrow();
        s.sendBinary(FileFrames.message(ByteBufAllocator.DEFAULT, msg));
    }

    private static FileOffer offer(FileId id, String name, long size) {
        return FileOffer.newBuilder().setId(ByteString.copyFrom(id.bytes())).setName(name).setSize(size)
                .setComplete(true).build();
    }

    private static Optional<FileExchange.Offer> listed(FileNodes.FileNode n, String name) {
        return n.files().files().stream().filter(o -> o.name().equals(name)).findFirst();
    }

    @Test
    void forgedHoldersAndWithdrawalsAreIgnoredAndTheRealHolderServes() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 0);
        FileNodes.FileNode c = nodes.start("C", 0, a);
        PeerNode mallory = plain.start(TestNodes.config("mallory").withBootstrap(
                java.util.List.of(io.nexo.p2p.discovery.DialTarget.of(c.node().listenAddress()))));
        await().atMost(TIMEOUT).until(() -> mallory.session(c.node().peerId()).isPresent()
                && c.node().peers().size() == 2);
        Path source = file("report.pdf", 3 * CHUNK + 99);
        FileId id = a.files().share(source).get(0).manifest().id();
        await().atMost(TIMEOUT).until(() -> listed(c, "report.pdf").map(o -> o.peers() == 1).orElse(false));

        String aId = a.node().peerId().value();
        FileId decoy = FileId.of(new byte[32]);
        // unsigned catalog entries about others: a fake holder at a victim's address, A's offer withdrawn
        FileAnnounce fake = FileAnnounce.newBuilder().setHolderId(NodeIdentity.generate().peerId().value())
                .addHolderAddrs("127.0.0.1:9").addOffers(offer(id, "report.pdf", Files.size(source))).build();
        FileAnnounce withdrawA = FileAnnounce.newBuilder().setHolderId(aId)
                .addOffers(offer(id, "report.pdf", Files.size(source)).toBuilder().setWithdrawn(true)).build();
        // "signed" entries: A's withdrawal signed with mallory's key, and a genuine-looking one re-labelled
        ByteString signedByMallory = SignedGossip.sign(mallory.config().identity(), "A", 1, System.currentTimeMillis(),
                FileFrames.PROTOCOL, withdrawA.toByteString()).toBuilder().setOriginId(aId).build().toByteString();
        // mallory's own offer (legitimate: she speaks for herself) marks the end of her catalog
        FileAnnounce own = FileAnnounce.newBuilder().setHolderId(mallory.peerId().value())
                .addOffers(offer(decoy, "decoy.txt", 10)).build();
        sendFiles(mallory, c.node(), FileMessage.newBuilder().setCatalog(Catalog.newBuilder()
                .addAnnounces(fake).addAnnounces(withdrawA).addSignedAnnounces(signedByMallory).addAnnounces(own))
                .build());
        // and a signed broadcast of hers that names A as holder and withdraws A's offer
        mallory.publish(FileFrames.PROTOCOL, withdrawA.toByteArray());
        mallory.publish(FileFrames.PROTOCOL, FileAnnounce.newBuilder().setHolderId(mallory.peerId().value())
                .addOffers(offer(FileId.of(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), "decoy2.txt", 10)).build().toByteArray());
        await().atMost(TIMEOUT).until(() -> listed(c, "decoy.txt").isPresent() && listed(c, "decoy2.txt").isPresent());

        assertThat(listed(c, "report.pdf")).map(FileExchange.Offer::peers).contains(1);
        assertThat(listed(c, "decoy.txt")).map(FileExchange.Offer::peers).contains(1);
        c.files().get(id, Optional.empty()).get();
        await().atMost(TIMEOUT).until(() -> c.events().completed.containsKey(id));
        assertThat(Files.readAllBytes(c.events().completed.get(id))).isEqualTo(Files.readAllBytes(source));
        assertThat(c.files().download(id).orElseThrow().chunksByPeer()).containsOnlyKeys(a.node().peerId());
    }

    /** A holder that offers a file (signed, real) but answers every manifest request with a renamed manifest. */
    private static final class RenamingHolder implements AppProtocol {
        final CompletableFuture<PeerSession> asked = new CompletableFuture<>();

        @Override
        public void onBinary(PeerSession from, BinaryFrame frame) {
            try {
                if (FileFrames.decode(frame.content()) instanceof FileFrames.Message m && m.message().hasGetManifest()) {
                    asked.complete(from);
                }
            } finally {
                frame.release();
            }
        }
    }

    private static Manifest wire(FileManifest m) {
        return Manifest.newBuilder().setId(ByteString.copyFrom(m.id().bytes())).setName(m.name()).setSize(m.size())
                .setChunkSize(m.chunkSize()).setChunkHashes(ByteString.copyFrom(m.chunkHashes())).setComplete(true).build();
    }

    @Test
    void onlyTheAskedHolderMayAnswerAndOnlyWithTheNameItOffered() throws Exception {
        FileNodes.FileNode c = nodes.start("C", 0);
        PeerNode holder = plain.start(TestNodes.config("holder").withBootstrap(
                java.util.List.of(io.nexo.p2p.discovery.DialTarget.of(c.node().listenAddress()))));
        RenamingHolder protocol = new RenamingHolder();
        holder.registerProtocol(FileFrames.PROTOCOL, protocol);
        PeerNode mallory = plain.start(TestNodes.config("mallory").withBootstrap(
                java.util.List.of(io.nexo.p2p.discovery.DialTarget.of(c.node().listenAddress()))));
        await().atMost(TIMEOUT).until(() -> c.node().peers().size() == 2);
        Path source = file("report.pdf", 2 * CHUNK);
        FileManifest real = FileHasher.hash(source, "report.pdf", CHUNK);
        holder.publish(FileFrames.PROTOCOL, FileAnnounce.newBuilder().setHolderId(holder.peerId().value())
                .addHolderAddrs(holder.listenAddress().toString())
                .addOffers(offer(real.id(), "report.pdf", real.size())).build().toByteArray());
        await().atMost(TIMEOUT).until(() -> listed(c, "report.pdf").isPresent());

        CompletableFuture<?> get = c.files().get(real.id(), Optional.empty());
        PeerSession toC = protocol.asked.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        // mallory, not asked, answers with the genuine manifest under another name, then refuses
        FileMessage renamed = FileMessage.newBuilder().setManifest(wire(real.withName("invoice.exe"))).build();
        sendFiles(mallory, c.node(), renamed);
        sendFiles(mallory, c.node(), FileMessage.newBuilder().setRefuse(Refuse.newBuilder()
                .setId(ByteString.copyFrom(real.id().bytes())).setManifest(true).setReason(Refuse.Reason.NOT_SHARED)).build());
        // the asked holder answers, but with a name other than the one it offered
        toC.sendBinary(FileFrames.message(ByteBufAllocator.DEFAULT, renamed));

        assertThatThrownBy(() -> get.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("no holder of " + real.id().shortForm() + " answered with its manifest");
        assertThat(c.files().downloads()).isEmpty();
        assertThat(c.dataDir().resolve("downloads/invoice.exe")).doesNotExist();
        // mallory's refusal did not withdraw the holder's offer either
        assertThat(listed(c, "report.pdf")).map(FileExchange.Offer::peers).contains(1);
    }
    @Test
    void manyHoldersNamingOneVictimAddressCostItOneDialPerBackoff() throws Exception {
        try (java.net.ServerSocket victim = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try (java.net.Socket s = victim.accept()) {
                        accepted.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return; // closed
                    }
                }
            }, "victim");
            acceptor.setDaemon(true);
            acceptor.start();
            FileNodes.FileNode a = nodes.start("A", 0);
            FileNodes.FileNode c = nodes.start("C", 0, a);
            PeerNode mallory = plain.start(TestNodes.config("mallory").withBootstrap(
                    java.util.List.of(io.nexo.p2p.discovery.DialTarget.of(c.node().listenAddress()))));
            await().atMost(TIMEOUT).until(() -> c.node().peers().size() == 2);
            Path source = file("report.pdf", 2 * CHUNK);
            FileId id = a.files().share(source).get(0).manifest().id();
            await().atMost(TIMEOUT).until(() -> listed(c, "report.pdf").isPresent());

            // 40 identities, each signing (validly) an offer of the file at the victim's address
            Catalog.Builder sybils = Catalog.newBuilder();
            for (int i = 0; i < 40; i++) {
                NodeIdentity sybil = NodeIdentity.generate();
                FileAnnounce ann = FileAnnounce.newBuilder().setHolderId(sybil.peerId().value())
                        .addHolderAddrs("127.0.0.1:" + victim.getLocalPort())
                        .addOffers(offer(id, "report.pdf", Files.size(source))).build();
                sybils.addSignedAnnounces(SignedGossip.sign(sybil, "s" + i, 1, System.currentTimeMillis(),
                        FileFrames.PROTOCOL, ann.toByteString()).toByteString());
            }
            sendFiles(mallory, c.node(), FileMessage.newBuilder().setCatalog(sybils).build());
            await().atMost(TIMEOUT).until(() -> listed(c, "report.pdf").map(o -> o.peers() == 41).orElse(false));

            c.files().get(id, Optional.empty()).get();
            await().atMost(TIMEOUT).until(() -> c.events().completed.containsKey(id));
            assertThat(Files.readAllBytes(c.events().completed.get(id))).isEqualTo(Files.readAllBytes(source));
            // 40 holders were tried for the manifest and added to the download: the victim saw one
            // dial, the rest waited for the backoff (without it: one per holder, and again every 3 s)
            assertThat(accepted.get()).isEqualTo(1);
        }
    }
}
