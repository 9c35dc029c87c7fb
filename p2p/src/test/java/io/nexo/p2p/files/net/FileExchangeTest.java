package io.nexo.p2p.files.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexo.p2p.files.ChannelOpener;
import io.nexo.p2p.files.DownloadSession;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.PartialFile;
import io.nexo.p2p.files.SharedFile;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.GetChunk;
import io.nexo.p2p.files.proto.GetManifest;
import io.nexo.p2p.files.proto.Refuse;
import io.nexo.p2p.node.LogCapture;
import io.nexo.p2p.testing.HostilePeer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * File exchange between real nodes over loopback TLS: real files, real sessions, the SHA-256 of
 * what arrives compared with the source.
 */
class FileExchangeTest {

    private static final int MIB = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private FileNodes nodes;
    /** Every frame a raw peer received, to check afterwards that no secret bytes were among them. */
    private final java.util.List<HostilePeer.Binary> seen = new java.util.ArrayList<>();

    @RegisterExtension
    final LogCapture logs = new LogCapture("io.nexo.p2p.files");

    @BeforeEach
    void setUp() {
        nodes = new FileNodes(tmp.resolve("nodes"));
    }

    @AfterEach
    void tearDown() {
        nodes.close();
    }

    private Path bigFile(String name, int mib, long seed) throws IOException {
        return TestFiles.random(tmp.resolve("src").resolve(name), mib, 12345, seed); // a short last chunk
    }

    private static byte[] sha256(Path p) throws Exception {
        return TestFiles.sha256(p);
    }

    private static FileId shareOn(FileNodes.FileNode n, Path file) throws IOException {
        return n.files().share(file).get(0).manifest().id();
    }

    private static void awaitOffer(FileNodes.FileNode n, FileId id, int peers) {
        await().atMost(TIMEOUT).until(() -> n.files().files().stream()
                .anyMatch(o -> o.id().equals(id) && o.peers() >= peers));
    }

    private static Path awaitComplete(FileNodes.FileNode n, FileId id) {
        await().atMost(TIMEOUT).until(() -> n.events().completed.containsKey(id) || n.events().failed.containsKey(id));
        assertThat(n.events().failed).doesNotContainKey(id);
        return n.events().completed.get(id);
    }

    @Test
    void aFileSharedByAReachesANodeThatWasNotConnectedToA() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 0);
        FileNodes.FileNode b = nodes.start("B", 0, a);
        FileNodes.FileNode c = nodes.start("C", 0, b);
        await().atMost(TIMEOUT).until(() -> c.node().peers().size() == 1 && b.node().peers().size() == 2);
        Path source = bigFile("video.mp4", 50, 1);

        FileId id = shareOn(a, source);
        awaitOffer(c, id, 1); // learned through B's gossip
        assertThat(c.node().session(a.node().peerId())).isEmpty();
        FileExchange.Offer offer = c.files().files().get(0);
        assertThat(offer.name()).isEqualTo("video.mp4");
        assertThat(offer.size()).isEqualTo(50L * MIB + 12345);
        assertThat(c.files().resolve(id.hex().substring(0, 8))).isEqualTo(id);

        c.files().get(id, Optional.empty()).get();
        Path got = awaitComplete(c, id);

        assertThat(got).isEqualTo(c.dataDir().resolve("downloads/video.mp4"));
        assertThat(sha256(got)).isEqualTo(sha256(source));
        assertThat(c.files().download(id).orElseThrow().chunksByPeer()).containsOnlyKeys(a.node().peerId());
        try (var parts = Files.list(got.getParent())) {
            assertThat(parts.map(p -> p.getFileName().toString())).containsExactly("video.mp4");
        }
        // the downloader now offers it too
        awaitOffer(b, id, 2);
    }

    @Test
    void chunksComeFromAllThreeSeeders() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 20L * MIB);
        FileNodes.FileNode b = nodes.start("B", 20L * MIB, a);
        FileNodes.FileNode d = nodes.start("D", 20L * MIB, a);
        Path source = bigFile("dataset.bin", 50, 2);
        FileId id = shareOn(a, source);
        assertThat(shareOn(b, source)).isEqualTo(id);
        assertThat(shareOn(d, source)).isEqualTo(id);
        FileNodes.FileNode c = nodes.start("C", 0, a);
        awaitOffer(c, id, 3);

        c.files().get(id, Optional.empty()).get();
        Path got = awaitComplete(c, id);

        assertThat(sha256(got)).isEqualTo(sha256(source));
        Map<PeerId, Long> byPeer = c.files().download(id).orElseThrow().chunksByPeer();
        assertThat(byPeer).containsOnlyKeys(a.node().peerId(), b.node().peerId(), d.node().peerId());
        assertThat(byPeer.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(5));
        assertThat(byPeer.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(51);
        // endgame copies were cancelled on the way: their blocks are late, not unrequested
        assertThat(c.files().limitCounters().snapshot()).allSatisfy((limit, n) -> assertThat(n).isZero());
    }

    /**
     * Two peers ask a rate-capped seeder for the same chunks at once: both uploads of each chunk
     * wait for the cap, carry equal bytes, and must still be sent separately. (They were once kept
     * in a set of frame lists, which treated them as one: the second was never sent and its upload
     * slot never freed.)
     */
    @Test
    void aRateCappedSeederServesTheSameChunksToTwoPeersAtOnce() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 4L * MIB);
        Path source = bigFile("song.flac", 3, 6); // 4 chunks: each downloader asks for all at once
        FileId id = shareOn(a, source);
        FileNodes.FileNode c = nodes.start("C", 0, a);
        FileNodes.FileNode d = nodes.start("D", 0, a);
        awaitOffer(c, id, 1);
        awaitOffer(d, id, 1);

        c.files().get(id, Optional.empty()).get();
        d.files().get(id, Optional.empty()).get();
        Path gotC = awaitComplete(c, id);
        Path gotD = awaitComplete(d, id);

        assertThat(sha256(gotC)).isEqualTo(sha256(source));
        assertThat(sha256(gotD)).isEqualTo(sha256(source));
        await().atMost(TIMEOUT).until(() -> a.files().uploadsInProgress() == 0); // every slot given back
        assertThat(c.files().download(id).orElseThrow().isDropped(a.node().peerId())).isFalse();
        assertThat(d.files().download(id).orElseThrow().isDropped(a.node().peerId())).isFalse();
    }

    @Test
    void aSeederKilledMidTransferIsReplacedByTheOthers() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 10L * MIB);
        FileNodes.FileNode b = nodes.start("B", 10L * MIB, a);
        FileNodes.FileNode d = nodes.start("D", 10L * MIB, a);
        Path source = bigFile("backup.tar", 50, 3);
        FileId id = shareOn(a, source);
        shareOn(b, source);
        shareOn(d, source);
        FileNodes.FileNode c = nodes.start("C", 0, a);
        awaitOffer(c, id, 3);

        DownloadSession<PeerId> download = c.files().get(id, Optional.empty()).get();
        await().atMost(TIMEOUT).until(() -> download.chunksByPeer().getOrDefault(b.node().peerId(), 0L) >= 2
                && download.progress().chunksDone() >= 10);
        assertThat(download.state()).isEqualTo(DownloadSession.State.RUNNING);
        b.stop();
        Path got = awaitComplete(c, id);

        assertThat(sha256(got)).isEqualTo(sha256(source));
        Map<PeerId, Long> byPeer = download.chunksByPeer();
        long fromB = byPeer.get(b.node().peerId());
        assertThat(fromB).isBetween(2L, 40L);
        assertThat(byPeer.getOrDefault(a.node().peerId(), 0L) + byPeer.getOrDefault(d.node().peerId(), 0L))
                .isEqualTo(51 - fromB);
    }

    @Test
    void aSeederServingCorruptedBytesIsDroppedAndTheFileIsStillCorrect() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 20L * MIB);
        FileNodes.FileNode evil = nodes.start("Evil", 0, a);
        Path source = bigFile("album.flac", 20, 4);
        Path copy = Files.copy(source, tmp.resolve("src/album-copy.flac"));
        FileId id = shareOn(a, source);
        assertThat(shareOn(evil, copy)).isEqualTo(id);
        // bit rot behind the sharer's back: same size, same modification time, one byte off per MiB
        FileTime mtime = Files.getLastModifiedTime(copy);
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            for (long pos = 100; pos < ch.size(); pos += MIB) {
                ByteBuffer one = ByteBuffer.allocate(1);
                ch.read(one, pos);
                one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
                ch.write(one, pos);
            }
        }
        Files.setLastModifiedTime(copy, mtime);
        FileNodes.FileNode c = nodes.start("C", 0, a);
        awaitOffer(c, id, 2);

        DownloadSession<PeerId> download = c.files().get(id, Optional.empty()).get();
        Path got = awaitComplete(c, id);

        assertThat(sha256(got)).isEqualTo(sha256(source));
        assertThat(download.isDropped(evil.node().peerId())).isTrue();
        assertThat(download.chunksByPeer()).containsOnlyKeys(a.node().peerId());
        // the bad chunks were caught on the verifier pool, not on a session's I/O thread, and logged
        assertThat(logs.threadsOf("that fails its SHA-256: dropped from this download"))
                .isNotEmpty().allSatisfy(t -> assertThat(t).startsWith("nexo-files-verify-"));
    }

    /**
     * Also: a chunk that changed on disk while the downloader was stopped is hashed from disk on
     * resume, found bad and fetched again (the final check does not re-read the file).
     */
    @Test
    void aRestartedDownloaderResumesWithoutRefetchingVerifiedChunks() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 10L * MIB);
        Path source = bigFile("image.iso", 40, 5);
        FileId id = shareOn(a, source);
        Path cData = tmp.resolve("nodes/C");
        FileNodes.FileNode c = nodes.start("C", cData, 0, a);
        awaitOffer(c, id, 1);
        DownloadSession<PeerId> first = c.files().get(id, Optional.empty()).get();
        await().atMost(TIMEOUT).until(() -> first.progress().chunksDone() >= 12);
        PeerId cId = c.node().peerId();
        c.stop();
        int held;
        Path state = PartialFile.stateFile(cData.resolve("transfers"), id);
        try (PartialFile part = PartialFile.resume(state, ChannelOpener.DEFAULT)) {
            held = part.chunksHeld();
        }
        assertThat(held).isBetween(12, 40);
        // bit rot in one verified chunk while the node is down
        int rotten;
        try (PartialFile part = PartialFile.resume(state, ChannelOpener.DEFAULT);
             FileChannel ch = FileChannel.open(part.partPath(), StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            rotten = part.held().nextSetBit(0);
            ByteBuffer one = ByteBuffer.allocate(1);
            long pos = (long) rotten * MIB + 777;
            ch.read(one, pos);
            one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
            ch.write(one, pos);
        }
        long uploadedBefore = a.files().chunksUploaded();

        FileNodes.FileNode c2 = nodes.start("C", cData, 0, a); // same data dir: same identity, same state
        assertThat(c2.node().peerId()).isEqualTo(cId);
        Path got = awaitComplete(c2, id);

        assertThat(sha256(got)).isEqualTo(sha256(source));
        long expected = 41L - held + 1; // the missing chunks and the rotten one
        long uploadedAfter = a.files().chunksUploaded() - uploadedBefore;
        assertThat(uploadedAfter).isBetween(expected, expected + 2); // endgame may double the last one
        assertThat(c2.files().download(id).orElseThrow().chunksByPeer().get(a.node().peerId())).isEqualTo(expected);
    }

    @Test
    void offersWithHostileNamesOrIdsAreIgnored() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 0);
        FileNodes.FileNode c = nodes.start("C", 0, a);
        await().atMost(TIMEOUT).until(() -> c.node().peers().size() == 1);
        io.nexo.p2p.files.proto.FileAnnounce.Builder hostile = io.nexo.p2p.files.proto.FileAnnounce.newBuilder()
                .setHolderId(a.node().peerId().value());
        byte[] id = new byte[32];
        for (String name : new String[] {"../../.ssh/authorized_keys", "/etc/passwd", "CON", "a\\b", ".bashrc", "x\0y"}) {
            id[0]++;
            hostile.addOffers(io.nexo.p2p.files.proto.FileOffer.newBuilder()
                    .setId(com.google.protobuf.ByteString.copyFrom(id)).setName(name).setSize(10).setComplete(true));
        }
        hostile.addOffers(io.nexo.p2p.files.proto.FileOffer.newBuilder()
                .setId(com.google.protobuf.ByteString.copyFrom(new byte[31])).setName("short-id.txt").setSize(10));
        id[0]++;
        hostile.addOffers(io.nexo.p2p.files.proto.FileOffer.newBuilder()
                .setId(com.google.protobuf.ByteString.copyFrom(id)).setName("fine.txt").setSize(10).setComplete(true));
        a.node().publish(FileFrames.PROTOCOL, hostile.build().toByteArray());

        await().atMost(TIMEOUT).until(() -> !c.files().files().isEmpty());
        assertThat(c.files().files()).extracting(FileExchange.Offer::name).containsExactly("fine.txt");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.files().resolve("../../etc/passwd"))
                .hasMessageContaining("expected: 64 hex digits");
        // the offer is a lie (A has no such file): the download fails cleanly, nothing is written
        FileId fine = c.files().files().get(0).id();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.files().get(fine, Optional.empty()).get())
                .hasMessageContaining("no holder of " + fine.shortForm() + " answered");
        try (var s = Files.list(c.dataDir().resolve("downloads"))) {
            assertThat(s).isEmpty();
        }
    }

    /**
     * Over the wire, as a stranger would ask: a peer of the test's own requests the manifest and a
     * chunk of a file that sits next to a shared one but is not shared, and gets NOT_SHARED refusals
     * and none of its bytes; the same requests for the shared file return its manifest and bytes.
     */
    @Test
    void onlySharedFilesCanBeRead() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 0);
        Path dir = Files.createDirectories(tmp.resolve("a-files"));
        String secretText = "the secret text that must never leave node A";
        Path secret = Files.writeString(dir.resolve("secret.txt"), secretText);
        Path shared = Files.writeString(dir.resolve("shared.txt"), "public words\n".repeat(100));
        FileId sharedId = shareOn(a, shared);
        FileId secretId;
        try (SharedFile unshared = SharedFile.open(secret)) {
            secretId = unshared.manifest().id();
        }

        try (HostilePeer eve = HostilePeer.connect(a.node().listenAddress(), HostilePeer.options().withName("eve"))) {
            ask(eve, FileMessage.newBuilder().setGetManifest(GetManifest.newBuilder().setId(raw(secretId))).build());
            Refuse manifestRefused = nextFileMessage(eve, FileMessage::hasRefuse).getRefuse();
            assertThat(manifestRefused.getId()).isEqualTo(raw(secretId));
            assertThat(manifestRefused.getReason()).isEqualTo(Refuse.Reason.NOT_SHARED);
            assertThat(manifestRefused.getManifest()).isTrue();

            ask(eve, FileMessage.newBuilder().setGetChunk(GetChunk.newBuilder().setId(raw(secretId)).setIndex(0)).build());
            Refuse chunkRefused = nextFileMessage(eve, FileMessage::hasRefuse).getRefuse();
            assertThat(chunkRefused.getId()).isEqualTo(raw(secretId));
            assertThat(chunkRefused.getReason()).isEqualTo(Refuse.Reason.NOT_SHARED);
            assertThat(chunkRefused.getManifest()).isFalse();

            // the shared file next to it is served
            ask(eve, FileMessage.newBuilder().setGetManifest(GetManifest.newBuilder().setId(raw(sharedId))).build());
            io.nexo.p2p.files.proto.Manifest manifest = nextFileMessage(eve, FileMessage::hasManifest).getManifest();
            assertThat(manifest.getId()).isEqualTo(raw(sharedId));
            assertThat(manifest.getName()).isEqualTo("shared.txt");
            assertThat(manifest.getSize()).isEqualTo(Files.size(shared));
            assertThat(manifest.getComplete()).isTrue();
            ask(eve, FileMessage.newBuilder().setGetChunk(GetChunk.newBuilder().setId(raw(sharedId)).setIndex(0)).build());
            FileFrames.Block block = nextBlock(eve);
            try {
                assertThat(block.id()).isEqualTo(sharedId);
                assertThat(block.offset()).isZero();
                assertThat(io.netty.buffer.ByteBufUtil.getBytes(block.data())).isEqualTo(Files.readAllBytes(shared));
            } finally {
                block.data().release();
            }

            // nothing A sent contains the secret's bytes
            byte[] secretBytes = secretText.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (HostilePeer.Binary b : seen) {
                assertThat(indexOf(b.payload(), secretBytes)).isEqualTo(-1);
            }
        }
    }

    private static com.google.protobuf.ByteString raw(FileId id) {
        return com.google.protobuf.ByteString.copyFrom(id.bytes());
    }

    private static void ask(HostilePeer peer, FileMessage message) {
        peer.sendBinary(FileFrames.message(io.netty.buffer.ByteBufAllocator.DEFAULT, message));
    }

    /** The next files/1 control message matching {@code match} (others, e.g. a catalog, are skipped). */
    private FileMessage nextFileMessage(HostilePeer peer, java.util.function.Predicate<FileMessage> match) throws Exception {
        while (true) {
            HostilePeer.Binary b = peer.nextBinary(Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError("the node sent no answer within 10 s"));
            seen.add(b);
            if (b.protocol().equals(FileFrames.PROTOCOL)
                    && FileFrames.decode(io.netty.buffer.Unpooled.wrappedBuffer(b.payload())) instanceof FileFrames.Message m
                    && match.test(m.message())) {
                return m.message();
            }
        }
    }

    private FileFrames.Block nextBlock(HostilePeer peer) throws Exception {
        while (true) {
            HostilePeer.Binary b = peer.nextBinary(Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError("the node sent no block within 10 s"));
            seen.add(b);
            if (FileFrames.decode(io.netty.buffer.Unpooled.wrappedBuffer(b.payload())) instanceof FileFrames.Block block) {
                return block;
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
