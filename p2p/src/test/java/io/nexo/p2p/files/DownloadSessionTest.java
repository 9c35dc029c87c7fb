package io.nexo.p2p.files;

import static io.nexo.p2p.files.FileHasherTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download engine end to end on real files: seeders are real {@link SharedFile}s read by
 * position, the downloader a real {@link PartialFile}; only the wire is replaced by a queue that
 * delivers requests in order, so every run takes the same path.
 */
class DownloadSessionTest {

    private static final int CHUNK = FileManifest.MIN_CHUNK_SIZE;
    private static final int CHUNKS = 40;

    @TempDir
    Path tmp;

    private byte[] content;
    private SharedFile seed;
    private final AtomicLong clock = new AtomicLong();
    private final ArrayDeque<ChunkScheduler.Request<String>> wire = new ArrayDeque<>();
    private final List<ChunkScheduler.Request<String>> requested = new ArrayList<>();
    private final Set<ChunkScheduler.Request<String>> cancelled = new HashSet<>();
    private final Map<String, ChunkSource> peers = new HashMap<>();
    private final Set<String> corrupting = new HashSet<>();
    private final AtomicReference<Path> completed = new AtomicReference<>();
    private final AtomicReference<Exception> failed = new AtomicReference<>();
    private final List<Integer> stored = new ArrayList<>();

    private final ChunkRequester<String> requester = new ChunkRequester<>() {
        @Override
        public void request(String peer, FileId file, int chunk) {
            wire.add(new ChunkScheduler.Request<>(peer, chunk));
            requested.add(new ChunkScheduler.Request<>(peer, chunk));
        }

        @Override
        public void cancel(String peer, FileId file, int chunk) {
            cancelled.add(new ChunkScheduler.Request<>(peer, chunk));
            wire.remove(new ChunkScheduler.Request<>(peer, chunk));
        }
    };

    private final DownloadListener listener = new DownloadListener() {
        @Override
        public void onChunkStored(FileId id, int chunk) {
            stored.add(chunk);
        }

        @Override
        public void onComplete(FileId id, Path path) {
            completed.set(path);
        }

        @Override
        public void onFailed(FileId id, Exception cause) {
            failed.set(cause);
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        content = randomBytes(CHUNKS * CHUNK - 999, 5);
        Files.createDirectories(tmp.resolve("seed"));
        Path src = Files.write(tmp.resolve("seed/album.flac"), content);
        seed = SharedFile.open(src);
    }

    @AfterEach
    void tearDown() throws IOException {
        seed.close();
    }

    private FileManifest manifest() throws IOException {
        return FileHasher.hash(seed.path(), "album.flac", CHUNK);
    }

    private DownloadSession<String> session(ChannelOpener opener) throws IOException {
        PartialFile part = PartialFile.open(tmp.resolve("data/downloads"), manifest(),
                tmp.resolve("downloads/album.flac"), opener);
        return new DownloadSession<>(part, requester, listener,
                new SchedulerConfig(3, 2, Duration.ofSeconds(5), 2), clock::get, new Random(17), DownloadSessionTest::finishHere);
    }

    /** The final check runs on the thread that delivered the last chunk. */
    private static boolean finishHere(Runnable check) {
        check.run();
        return true;
    }

    /** Serves queued requests in order until none are left or {@code limit} chunks were delivered. */
    private int deliver(DownloadSession<String> session, int limit) throws IOException {
        int delivered = 0;
        while (!wire.isEmpty() && delivered < limit) {
            ChunkScheduler.Request<String> r = wire.poll();
            ChunkSource src = peers.get(r.peer());
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            src.read(r.chunk(), buf);
            buf.flip();
            if (corrupting.contains(r.peer())) {
                buf.put(7, (byte) (buf.get(7) ^ 0x55));
            }
            session.onChunk(r.peer(), r.chunk(), buf);
            delivered++;
        }
        return delivered;
    }

    private void addSeeders(DownloadSession<String> session, String... names) throws IOException {
        FileManifest m = manifest();
        for (String name : names) {
            peers.put(name, new FixedChunkSource(seed, m));
            BitSet all = new BitSet();
            all.set(0, m.chunkCount());
            session.addSource(name, all);
        }
    }

    private byte[] sha256(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    @Test
    void fetchesFromThreeSeedersAtOnceAndVerifiesTheResult() throws Exception {
        DownloadSession<String> session = session(ChannelOpener.DEFAULT);
        addSeeders(session, "A", "B", "C");
        deliver(session, Integer.MAX_VALUE);

        assertThat(session.state()).isEqualTo(DownloadSession.State.COMPLETE);
        assertThat(completed.get()).isEqualTo(tmp.resolve("downloads/album.flac"));
        assertThat(sha256(completed.get())).isEqualTo(MessageDigest.getInstance("SHA-256").digest(content));
        Map<String, Long> byPeer = session.chunksByPeer();
        assertThat(byPeer.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(CHUNKS);
        assertThat(byPeer).containsOnlyKeys("A", "B", "C");
        assertThat(byPeer.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(8));
        assertThat(stored).hasSize(CHUNKS).doesNotHaveDuplicates();
        DownloadProgress p = session.progress();
        assertThat(p.percent()).isEqualTo(100.0);
        assertThat(p.chunksByPeer()).isEqualTo(Map.of("A", byPeer.get("A"), "B", byPeer.get("B"), "C", byPeer.get("C")));
    }

    @Test
    void aCorruptingSeederIsDroppedAndItsChunksFetchedElsewhere() throws Exception {
        DownloadSession<String> session = session(ChannelOpener.DEFAULT);
        corrupting.add("evil");
        addSeeders(session, "evil", "A", "B");
        deliver(session, Integer.MAX_VALUE);

        assertThat(session.state()).isEqualTo(DownloadSession.State.COMPLETE);
        assertThat(Files.readAllBytes(completed.get())).isEqualTo(content);
        assertThat(session.chunksByPeer()).doesNotContainKey("evil").containsKeys("A", "B");
        long evilRequests = requested.stream().filter(r -> r.peer().equals("evil")).count();
        assertThat(evilRequests).isEqualTo(3); // its first batch only: dropped at the first bad chunk
    }

    @Test
    void aSeederThatVanishesMidTransferIsReplacedByTheOthers() throws Exception {
        DownloadSession<String> session = session(ChannelOpener.DEFAULT);
        addSeeders(session, "A", "B", "C");
        deliver(session, 15);
        assertThat(session.state()).isEqualTo(DownloadSession.State.RUNNING);

        // B dies: its queued requests are never answered
        wire.removeIf(r -> r.peer().equals("B"));
        peers.remove("B");
        session.onPeerGone("B");
        deliver(session, Integer.MAX_VALUE);

        assertThat(session.state()).isEqualTo(DownloadSession.State.COMPLETE);
        assertThat(Files.readAllBytes(completed.get())).isEqualTo(content);
        assertThat(session.chunksByPeer().get("B")).isBetween(1L, 6L);
    }

    @Test
    void aSilentSeederTimesOutAndItsChunksGoElsewhere() throws Exception {
        DownloadSession<String> session = session(ChannelOpener.DEFAULT);
        addSeeders(session, "A", "mute");
        // mute never answers: drop its requests from the wire as they appear
        for (int round = 0; round < 200 && session.state() == DownloadSession.State.RUNNING; round++) {
            wire.removeIf(r -> r.peer().equals("mute"));
            deliver(session, 1);
            if (wire.isEmpty()) {
                clock.addAndGet(Duration.ofSeconds(6).toNanos());
                session.tick();
            }
        }
        assertThat(session.state()).isEqualTo(DownloadSession.State.COMPLETE);
        assertThat(Files.readAllBytes(completed.get())).isEqualTo(content);
        assertThat(session.chunksByPeer()).containsOnlyKeys("A");
    }

    @Test
    void aRestartedDownloadResumesWithoutRefetchingVerifiedChunks() throws Exception {
        DownloadSession<String> first = session(ChannelOpener.DEFAULT);
        addSeeders(first, "A", "B");
        deliver(first, 17);
        BitSet heldBefore = first.partialFile().held();
        assertThat(heldBefore.cardinality()).isEqualTo(17);
        first.pause(); // the node stops
        wire.clear();
        requested.clear();
        peers.clear();

        DownloadSession<String> second = session(ChannelOpener.DEFAULT);
        assertThat(second.partialFile().held()).isEqualTo(heldBefore);
        second.start();
        addSeeders(second, "A", "B");
        deliver(second, Integer.MAX_VALUE);

        assertThat(second.state()).isEqualTo(DownloadSession.State.COMPLETE);
        assertThat(Files.readAllBytes(completed.get())).isEqualTo(content);
        // only the missing chunks were asked for (some twice: endgame copies of the last few)
        BitSet missing = new BitSet();
        missing.set(0, CHUNKS);
        missing.andNot(heldBefore);
        assertThat(requested.stream().map(ChunkScheduler.Request::chunk).distinct().sorted().toList())
                .isEqualTo(missing.stream().boxed().toList());
        assertThat(second.chunksByPeer().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(CHUNKS - 17);
    }

    @Test
    void aFullDiskStopsTheDownloadWithAClearErrorAndKeepsItsState() throws Exception {
        AtomicLong budget = new AtomicLong(Long.MAX_VALUE);
        DownloadSession<String> session = session((path, options) ->
                new DiskFullChannel(FileChannel.open(path, options), budget));
        addSeeders(session, "A");
        deliver(session, 5);
        budget.set(0);
        deliver(session, 1);

        assertThat(session.state()).isEqualTo(DownloadSession.State.FAILED);
        assertThat(failed.get()).isInstanceOf(DiskFullException.class).hasMessageContaining("disk full");
        assertThat(Files.exists(tmp.resolve("downloads/album.flac"))).isFalse();
        assertThat(cancelled).isNotEmpty();

        wire.clear();
        DownloadSession<String> resumed = session(ChannelOpener.DEFAULT);
        assertThat(resumed.partialFile().held().cardinality()).isEqualTo(5);
        resumed.partialFile().close();
    }

    @Test
    void cancelRemovesThePartialFileAndItsState() throws Exception {
        DownloadSession<String> session = session(ChannelOpener.DEFAULT);
        addSeeders(session, "A");
        deliver(session, 3);
        Path part = session.partialFile().partPath();
        assertThat(part).exists();

        session.cancel();

        assertThat(session.state()).isEqualTo(DownloadSession.State.CANCELLED);
        assertThat(part).doesNotExist();
        assertThat(PartialFile.stateFiles(tmp.resolve("data/downloads"))).isEmpty();
        assertThat(cancelled).hasSize(3);
    }

    @Test
    void anEmptyFileCompletesAtOnce() throws Exception {
        Path empty = Files.write(tmp.resolve("seed/empty.txt"), new byte[0]);
        PartialFile part = PartialFile.open(tmp.resolve("data/downloads"), FileHasher.hash(empty),
                tmp.resolve("downloads/empty.txt"), ChannelOpener.DEFAULT);
        DownloadSession<String> session = new DownloadSession<>(part, requester, listener, SchedulerConfig.DEFAULTS,
                clock::get, new Random(1), DownloadSessionTest::finishHere);
        session.start();
        assertThat(session.state()).isEqualTo(DownloadSession.State.COMPLETE);
        assertThat(completed.get()).hasSize(0);
    }

    /** Serves the seed's bytes under the test's 16 KiB chunking (the seed itself hashed with 1 MiB). */
    private record FixedChunkSource(SharedFile file, FileManifest manifest) implements ChunkSource {
        @Override
        public boolean hasChunk(int index) {
            return true;
        }

        @Override
        public int chunksHeld() {
            return manifest.chunkCount();
        }

        @Override
        public Slice slice(int index) throws IOException {
            Slice whole = file.slice(0);
            return new Slice(whole.channel(), manifest.chunkOffset(index), manifest.chunkLength(index));
        }
    }
}
