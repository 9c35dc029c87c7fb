package io.nexo.p2p.files.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.proto.Catalog;
import io.nexo.p2p.files.proto.FileAnnounce;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.files.proto.FileOffer;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.LogCapture;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.wire.BinaryFrame;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File exchange under attack by a real peer ({@link HostilePeer}: the real handshake, then crafted
 * {@code files/1} frames): each attack runs against a node that also serves an honest peer, and the
 * test asserts what the node did (counters, sessions, memory) and that the honest download still
 * arrives whole (SHA-256 equal).
 */
class FileExchangeAttackTest {

    private static final Logger log = LoggerFactory.getLogger(FileExchangeAttackTest.class);
    private static final int MIB = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The flood is processed in seconds on a quiet machine; a loaded CI host may need minutes. */
    private static final Duration FLOOD_TIMEOUT = Duration.ofSeconds(180);

    @TempDir
    Path tmp;

    @RegisterExtension
    final LogCapture logs = new LogCapture("io.nexo.p2p.files");

    private FileNodes nodes;
    private final List<HostilePeer> attackers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        nodes = new FileNodes(tmp.resolve("nodes"));
    }

    @AfterEach
    void tearDown() {
        attackers.forEach(HostilePeer::close);
        nodes.close();
    }

    /** A hostile peer with a session to {@code victim} (once the victim has registered it too). */
    private HostilePeer attacker(String name, FileNodes.FileNode victim) {
        HostilePeer h = HostilePeer.connect(victim.node().listenAddress(),
                HostilePeer.options().withName(name).withAnswerPings(true));
        attackers.add(h);
        await().atMost(Duration.ofSeconds(20)).until(() -> victim.node().session(h.peerId()).isPresent());
        return h;
    }

    /** Sends {@code msg} as a {@code files/1} frame. */
    private static void send(HostilePeer x, FileMessage msg) {
        x.sendBinary(FileFrames.message(PooledByteBufAllocator.DEFAULT, msg));
    }

    /** Sends {@code count} copies of {@code msg} as fast as a flooder would, and waits until they are written. */
    private static void sendMany(HostilePeer x, FileMessage msg, int count) throws InterruptedException {
        assertThat(x.sendMany(i -> FileFrames.message(PooledByteBufAllocator.DEFAULT, msg), count, Duration.ofSeconds(120)))
                .as("%d frames written in 120 s", count).isTrue();
    }

    /** Sends a block of chunk {@code index} of {@code id} at {@code offset} that nobody asked for. */
    private static void sendBlock(HostilePeer x, FileId id, int index, int offset, int bytes) {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[bytes]);
        BinaryFrame frame = FileFrames.blocks(PooledByteBufAllocator.DEFAULT, id, index, data).get(0);
        data.release();
        ByteBuf content = frame.content();
        content.setInt(content.readerIndex() + 1 + FileId.BYTES + 4, offset);
        x.sendBinary(frame);
    }

    private Path randomFile(String name, int mib, long seed) throws IOException {
        return TestFiles.random(tmp.resolve("src").resolve(name), mib, 0, seed);
    }

    private static byte[] sha256(Path p) throws Exception {
        return TestFiles.sha256(p);
    }

    private static Path awaitComplete(FileNodes.FileNode n, FileId id) {
        await().atMost(TIMEOUT).until(() -> n.events().completed.containsKey(id) || n.events().failed.containsKey(id));
        assertThat(n.events().failed).doesNotContainKey(id);
        return n.events().completed.get(id);
    }

    private static void awaitOffer(FileNodes.FileNode n, FileId id) {
        await().atMost(TIMEOUT).until(() -> n.files().files().stream().anyMatch(o -> o.id().equals(id)));
    }

    private static long count(FileNodes.FileNode n, FileLimitCounters.Limit limit) {
        return n.files().limitCounters().count(limit);
    }

    /** Direct memory in use now: Netty's pooled arenas plus the JVM's direct buffer pool. */
    private static long directBytes() {
        long jvm = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() + jvm;
    }

    /**
     * 100 000 {@code GetManifest} from a peer that never reads, while an honest peer downloads the
     * file: without bounds the node queued a manifest (1.5 KiB here, up to 512 KiB) per 45-byte
     * request. Now the requests beyond the peer's control byte budget are dropped before decoding
     * (the seeder's clock stands still, so exactly the burst gets through), and those beyond its
     * reply queue are dropped unanswered: direct memory stays within the honest download's own.
     */
    @Test
    void aManifestFloodFromAPeerThatNeverReadsQueuesNothingAndAnHonestDownloadCompletes() throws Exception {
        AtomicLong frozen = new AtomicLong(1_000_000_000L);
        FileNodes.FileNode a = nodes.start("A", cfg -> cfg, frozen::get);
        Path source = randomFile("movie.mkv", 48, 11);
        FileId id = a.files().share(source).get(0).manifest().id();
        FileNodes.FileNode c = nodes.start("C", 0, a);
        awaitOffer(c, id);
        HostilePeer x = attacker("X", a);
        x.stopReading();

        AtomicLong peak = new AtomicLong();
        long before = directBytes();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(directBytes(), Math::max), 0, 5, TimeUnit.MILLISECONDS);
        try {
            c.files().get(id, Optional.empty()).get();
            sendMany(x, FileMessages.getManifest(id), 100_000);
            // the burst gets through; of that, at most what the socket buffers took is answered
            long frameBytes = 1 + FileMessages.getManifest(id).getSerializedSize();
            long admitted = FileLimits.DEFAULT_CONTROL_BURST_BYTES / frameBytes;
            await().atMost(FLOOD_TIMEOUT).until(() -> count(a, FileLimitCounters.Limit.CONTROL_RATE)
                    == 100_000 - admitted);
            await().atMost(FLOOD_TIMEOUT).until(() -> count(a, FileLimitCounters.Limit.REPLY_QUEUE)
                    >= admitted - 10_000);
            Path got = awaitComplete(c, id);
            assertThat(sha256(got)).isEqualTo(sha256(source));
        } finally {
            sampler.shutdownNow();
            sampler.awaitTermination(5, TimeUnit.SECONDS);
        }
        long grew = peak.get() - before;
        log.warn("measured: GetManifest flood: direct memory {} MiB before, peak {} MiB (+{} MiB); dropped over rate {},"
                        + " dropped for the reply queue {}", before / MIB, peak.get() / MIB, grew / MIB,
                count(a, FileLimitCounters.Limit.CONTROL_RATE), count(a, FileLimitCounters.Limit.REPLY_QUEUE));
        // unbounded, 100 000 answers of 1.5 KiB would be 150 MiB; the honest download itself takes up to ~40
        assertThat(grew).isLessThan(64L * MIB);
        assertThat(a.node().session(c.node().peerId())).isPresent();
        assertThat(x.isOpen()).isTrue(); // refused, not disconnected: its requests were simply dropped
    }

    /**
     * Four peers that never read each take their four upload slots, so all 16 are held and an
     * honest downloader is refused as busy. Once the upload timeout has passed on the seeder's
     * (injected) clock, the slots are freed and the four sessions closed, and the honest download
     * completes.
     */
    @Test
    void uploadSlotsHeldByPeersThatNeverReadAreFreedAfterTheTimeout() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        FileNodes.FileNode a = nodes.start("A", c -> c, clock::get);
        Path source = randomFile("dataset.bin", 24, 12);
        FileId id = a.files().share(source).get(0).manifest().id();
        List<HostilePeer> slow = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HostilePeer x = attacker("X" + i, a);
            x.stopReading();
            slow.add(x);
        }
        // each asks for chunks until the seeder's writes to it stall (its socket buffers are full)
        int[] next = new int[1];
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (HostilePeer x : slow) {
                send(x, FileMessages.getChunk(id, next[0]++ % 24));
            }
            return a.files().uploadsInProgress() == 16;
        });
        FileNodes.FileNode c = nodes.start("C", 0, a);
        awaitOffer(c, id);
        c.files().get(id, Optional.empty()).get();
        await().atMost(TIMEOUT).until(() -> c.files().download(id).orElseThrow().progress().chunksDone() == 0
                && a.files().uploadsInProgress() == 16);
        assertThat(c.events().completed).doesNotContainKey(id);

        clock.addAndGet(FileLimits.DEFAULT_UPLOAD_TIMEOUT.toNanos());
        a.files().tickNow();

        assertThat(count(a, FileLimitCounters.Limit.UPLOAD_TIMEOUT)).isEqualTo(16);
        // the seeder closed them (a peer that does not read cannot see the close itself)
        await().atMost(TIMEOUT).until(() -> slow.stream().noneMatch(x -> a.node().session(x.peerId()).isPresent()));
        Path got = awaitComplete(c, id);
        assertThat(sha256(got)).isEqualTo(sha256(source));
        assertThat(count(a, FileLimitCounters.Limit.UPLOAD_TIMEOUT)).isEqualTo(16); // the honest peer read in time
    }

    /**
     * A peer pushes blocks of the file being downloaded that nobody asked it for: they are dropped
     * and counted (none is assembled), and the 17th closes its session; the download from the
     * honest seeder completes.
     */
    @Test
    void unrequestedBlocksAreDroppedAndTheirSenderClosed() throws Exception {
        FileNodes.FileNode a = nodes.start("A", 8L * MIB);
        Path source = randomFile("album.flac", 16, 13);
        FileId id = a.files().share(source).get(0).manifest().id();
        FileNodes.FileNode c = nodes.start("C", 0, a);
        awaitOffer(c, id);
        c.files().get(id, Optional.empty()).get();
        HostilePeer x = attacker("X", c);

        for (int i = 0; i < FileLimits.DEFAULT_MAX_UNREQUESTED_BLOCKS + 1; i++) {
            sendBlock(x, id, i, 0, FileFrames.BLOCK_SIZE);
        }

        await().atMost(TIMEOUT).until(() -> !x.isOpen());
        assertThat(count(c, FileLimitCounters.Limit.UNREQUESTED_BLOCK))
                .isEqualTo(FileLimits.DEFAULT_MAX_UNREQUESTED_BLOCKS + 1);
        assertThat(count(c, FileLimitCounters.Limit.UNREQUESTED_CLOSE)).isEqualTo(1);
        Path got = awaitComplete(c, id);
        assertThat(sha256(got)).isEqualTo(sha256(source));
        assertThat(c.files().download(id).orElseThrow().chunksByPeer()).containsOnlyKeys(a.node().peerId());
        assertThat(count(c, FileLimitCounters.Limit.UNREQUESTED_BLOCK))
                .isEqualTo(FileLimits.DEFAULT_MAX_UNREQUESTED_BLOCKS + 1); // the honest seeder sent none
    }

    /**
     * A peer sends catalogs naming 10 000 offers of its own (a peer may speak for itself only:
     * entries about other holders must carry their signatures, see {@link FileForgeryTest}), plus
     * 1 000 unsigned ones by made-up holders: the victim ignores the latter, keeps only its per-peer
     * share of the former, counts the rest, and still learns (and downloads) the honest offer.
     */
    @Test
    void aCatalogFloodGrowsTheCatalogOnlyByThePeersShare() throws Exception {
        int perPeer = 100;
        FileNodes.FileNode a = nodes.start("A", 0);
        Path source = randomFile("notes.txt", 2, 14);
        FileId id = a.files().share(source).get(0).manifest().id();
        FileNodes.FileNode c = nodes.start("C", cfg -> cfg.withLimits(FileLimits.DEFAULTS.withOffers(perPeer, 1000)),
                System::nanoTime, a);
        awaitOffer(c, id);
        int honest = c.files().catalogSize();
        HostilePeer x = attacker("X", c);

        Random r = new Random(15);
        for (int frame = 0; frame < 10; frame++) {
            Catalog.Builder catalog = Catalog.newBuilder();
            for (int h = 0; h < 100; h++) {
                catalog.addAnnounces(FileAnnounce.newBuilder().setHolderId(fakePeerId(r)).addHolderAddrs("127.0.0.1:9")
                        .addOffers(FileOffer.newBuilder().setId(ByteString.copyFrom(new byte[FileId.BYTES]))
                                .setName("made-up-holder").setSize(1).setComplete(true)));
                FileAnnounce.Builder a1 = FileAnnounce.newBuilder().setHolderId(x.peerId().value())
                        .addHolderAddrs("127.0.0.1:9");
                for (int o = 0; o < 10; o++) {
                    byte[] fid = new byte[FileId.BYTES];
                    r.nextBytes(fid);
                    a1.addOffers(FileOffer.newBuilder().setId(ByteString.copyFrom(fid)).setName("bait-" + h + "-" + o)
                            .setSize(1 << 30).setComplete(true));
                }
                catalog.addAnnounces(a1);
            }
            send(x, FileMessage.newBuilder().setCatalog(catalog).build());
        }

        await().atMost(TIMEOUT).until(() -> count(c, FileLimitCounters.Limit.OFFERS_PER_PEER) == 10_000 - perPeer);
        assertThat(c.files().catalogSize()).isEqualTo(honest + perPeer);
        assertThat(c.files().files()).extracting(FileExchange.Offer::name).doesNotContain("made-up-holder");
        assertThat(count(c, FileLimitCounters.Limit.OFFERS)).isZero();
        assertThat(x.isOpen()).isTrue();
        c.files().get(id, Optional.empty()).get();
        assertThat(sha256(awaitComplete(c, id))).isEqualTo(sha256(source));
    }

    private static String fakePeerId(Random r) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder b = new StringBuilder(PeerId.LENGTH);
        for (int i = 0; i < PeerId.LENGTH; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
