package io.nexo.p2p.relay;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.testing.AttackHarness;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.RelayReserve;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15: a relay's memory stays flat under 50 circuits of bulk traffic. A real relay node; 25
 * reserved peers ({@link HostilePeer}: the real handshake, then {@code RelayReserve}), each reached
 * through 2 circuits that plain sockets open with the relay's preamble; every circuit carries bulk
 * data both ways, compared end to end by SHA-256 (the relay only splices: what crosses it need not
 * be TLS). On {@value #STALLED} circuits the dialling end does not read until the 40 others are
 * done while its peer keeps sending: the relay must stop reading that sender (backpressure) rather
 * than buffer for it.
 *
 * <p>Bound: each direction of a circuit holds at most the circuit's write-buffer high mark (64 KiB)
 * and one read (at most 64 KiB) on the relay, so 100 directions hold at most 12.5 MiB; the test
 * allows {@value #DIRECT_BOUND_MIB} MiB of Netty direct memory above the baseline (sampled every
 * 10 ms; the allocator's chunks are coarser than buffers) and {@value #HEAP_BOUND_MIB} MiB of
 * retained heap. Measured: about 6 MiB; with the peer sessions' 4 MiB write buffer per direction
 * (before circuits had their own), 28 to 36 MiB. The endpoints' buffers are heap (plain sockets,
 * the reserved peers' own unpooled heap allocator), so the direct figure is the relay's. 420 MiB
 * cross the relay: 3 to 17 s on 2 shared cores, under the 20 s of a slow test.
 */
class RelayMemoryTest {

    private static final Logger log = LoggerFactory.getLogger(RelayMemoryTest.class);

    private static final int RESERVED = 25;
    private static final int CIRCUITS_PER_PEER = 2;
    private static final int STALLED = 10;
    /** Each way, on every circuit that reads freely. */
    private static final int BULK_BYTES = 2 << 20;
    /** Reserved peer to dialler on a stalled circuit: more than the kernel buffers on the way hold. */
    private static final int STALLED_BYTES = 24 << 20;
    private static final int BLOCK = 64 * 1024;
    private static final long DIRECT_BOUND_MIB = 16;
    private static final long HEAP_BOUND_MIB = 64;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final TestNodes net = new TestNodes();
    private final EventLoopGroup peers = Transport.best().newEventLoopGroup(1, "reserved");
    private final ExecutorService io = Executors.newCachedThreadPool();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** One direction of a circuit: what was sent and what arrived, by SHA-256. */
    private record Flow(String name, CompletableFuture<byte[]> sent, CompletableFuture<byte[]> received,
                        AtomicLong written) {
    }

    @AfterEach
    void tearDown() throws Exception {
        sampler.shutdownNow();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        io.shutdownNow();
        net.close();
        peers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void fiftyCircuitsOfBulkTrafficKeepTheRelaysMemoryFlat() throws Exception {
        PeerNode relay = net.start(TestNodes.config("relay").withRelay(RelayConfig.defaults()));
        HostAndPort at = relay.listenAddress();
        // each reserved peer and its dialler on /24s of their own: the node's per-subnet cap is not under test here
        List<Socket[]> circuits = new ArrayList<>();
        for (int k = 0; k < RESERVED; k++) {
            HostilePeer reserved = HostilePeer.connect(peers, at, HostilePeer.options().withName("reserved" + k)
                    .withLocalHost("127.10." + k + ".1").withAnswerPings(true)
                    .withAllocator(new UnpooledByteBufAllocator(false)));
            toClose.add(reserved);
            reserved.send(Envelope.newBuilder().setRelayReserve(RelayReserve.getDefaultInstance()).build());
            assertThat(reserved.awaitEnvelope(Envelope::hasRelayReservation, TIMEOUT).orElseThrow()
                    .getRelayReservation().getGranted()).isTrue();
            for (int j = 0; j < CIRCUITS_PER_PEER; j++) {
                boolean stalled = circuits.size() < STALLED;
                circuits.add(open(at, reserved, "127.20." + k + ".1", stalled));
            }
        }
        assertThat(relay.relay().orElseThrow().stats().circuitsOpen()).isEqualTo(RESERVED * CIRCUITS_PER_PEER);

        long baselineHeap = AttackHarness.retainedHeap();
        long baselineDirect = AttackHarness.directMemory();
        AtomicLong peakDirect = new AtomicLong(baselineDirect);
        sampler.scheduleAtFixedRate(() -> peakDirect.accumulateAndGet(AttackHarness.directMemory(), Math::max),
                0, 10, TimeUnit.MILLISECONDS);

        CountDownLatch resume = new CountDownLatch(1);
        List<Flow> free = new ArrayList<>();
        List<Flow> stalled = new ArrayList<>();
        for (int i = 0; i < circuits.size(); i++) {
            Socket dialer = circuits.get(i)[0];
            Socket acceptor = circuits.get(i)[1];
            free.add(flow("circuit " + i + " out", dialer, acceptor, BULK_BYTES, i * 2L, null));
            if (i < STALLED) {
                stalled.add(flow("circuit " + i + " back", acceptor, dialer, STALLED_BYTES, i * 2L + 1, resume));
            } else {
                free.add(flow("circuit " + i + " back", acceptor, dialer, BULK_BYTES, i * 2L + 1, null));
            }
        }
        // throughput continues: every freely read flow completes while the stalled ones are held
        await(free, Duration.ofSeconds(90));
        long heapDuringStall = AttackHarness.retainedHeap() - baselineHeap;
        long directDuringStall = peakDirect.get() - baselineDirect;
        long stalledThrough = stalled.stream().mapToLong(f -> f.written().get()).max().orElse(0);
        for (Flow f : stalled) {
            assertThat(f.written().get()).as("%s: bytes its sender got through to a reader that does not read", f.name())
                    .isLessThan(STALLED_BYTES);
        }
        resume.countDown();
        await(stalled, Duration.ofSeconds(90));

        long total = (long) free.size() * BULK_BYTES + (long) stalled.size() * STALLED_BYTES;
        RelayStats.Snapshot s = relay.relay().orElseThrow().stats();
        long direct = peakDirect.get() - baselineDirect;
        log.info("50 circuits, {} MiB through the relay: peak direct above baseline {} KiB (during the stall {} KiB), "
                + "retained heap during the stall {} KiB; stalled senders got {} KiB through before the stall ended",
                total >> 20, direct >> 10, directDuringStall >> 10, heapDuringStall >> 10,
                stalledThrough >> 10);
        for (Flow f : concat(free, stalled)) {
            assertThat(HexFormat.of().formatHex(f.received().join())).as(f.name())
                    .isEqualTo(HexFormat.of().formatHex(f.sent().join()));
        }
        assertThat(s.circuitsSpliced()).isEqualTo(RESERVED * CIRCUITS_PER_PEER);
        assertThat(s.bytesForwarded()).isEqualTo(total);
        assertThat(direct).as("relay's peak direct memory above baseline (bound %d MiB)", DIRECT_BOUND_MIB)
                .isLessThan(DIRECT_BOUND_MIB << 20);
        assertThat(heapDuringStall).as("retained heap above baseline during the stall (bound %d MiB)", HEAP_BOUND_MIB)
                .isLessThan(HEAP_BOUND_MIB << 20);
    }

    /**
     * Opens one circuit to {@code reserved} as the relay protocol does: CONNECT from {@code dialerHost},
     * the token the relay sends the reserved peer, ACCEPT with it; returns {dialler, acceptor} after both
     * read OK. A stalled dialler gets a small receive buffer, so that the kernel holds little for it.
     */
    private Socket[] open(HostAndPort relay, HostilePeer reserved, String dialerHost, boolean stalled) throws Exception {
        Socket dialer = socket(dialerHost, stalled);
        dialer.connect(relay.toSocketAddress(), 10_000);
        write(dialer, Preamble.connect(reserved.peerId()));
        byte[] token = reserved.awaitEnvelope(Envelope::hasRelayIncoming, TIMEOUT).orElseThrow()
                .getRelayIncoming().getToken().toByteArray();
        Socket acceptor = socket(((InetSocketAddress) reserved.channel().localAddress()).getHostString(), stalled);
        acceptor.connect(relay.toSocketAddress(), 10_000);
        write(acceptor, Preamble.accept(token));
        assertThat(acceptor.getInputStream().readNBytes(3)).asString(StandardCharsets.US_ASCII).isEqualTo("OK\n");
        assertThat(dialer.getInputStream().readNBytes(3)).asString(StandardCharsets.US_ASCII).isEqualTo("OK\n");
        return new Socket[] {dialer, acceptor};
    }

    private Socket socket(String host, boolean small) throws IOException {
        Socket s = new Socket();
        toClose.add(s);
        if (small) {
            s.setReceiveBufferSize(64 * 1024);
            s.setSendBufferSize(64 * 1024);
        }
        s.setSoTimeout(60_000);
        s.bind(new InetSocketAddress(host, 0));
        return s;
    }

    private static void write(Socket s, String line) throws IOException {
        s.getOutputStream().write(line.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Starts sending {@code bytes} from {@code from} to {@code to}; the reader starts once {@code gate} opens (null: at once). */
    private Flow flow(String name, Socket from, Socket to, int bytes, long seed, CountDownLatch gate) {
        AtomicLong written = new AtomicLong();
        CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> {
            MessageDigest sha = sha256();
            byte[] block = new byte[BLOCK];
            new SplittableRandom(seed).nextBytes(block);
            try {
                OutputStream out = from.getOutputStream();
                for (long n = 0; n < bytes; n += BLOCK) {
                    block[0] = (byte) (n >> 16); // each block differs: a lost or repeated block changes the digest
                    block[1] = (byte) (n >> 24);
                    sha.update(block);
                    out.write(block);
                    written.addAndGet(BLOCK);
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(name, e);
            }
            return sha.digest();
        }, io);
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
            MessageDigest sha = sha256();
            byte[] buf = new byte[BLOCK];
            try {
                if (gate != null) {
                    gate.await();
                }
                InputStream in = to.getInputStream();
                long left = bytes;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new IOException(name + ": closed with " + left + " bytes to come");
                    }
                    sha.update(buf, 0, n);
                    left -= n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(name, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name, e);
            }
            return sha.digest();
        }, io);
        return new Flow(name, sent, received, written);
    }

    private static void await(List<Flow> flows, Duration timeout) throws Exception {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (Flow f : flows) {
            all.add(f.sent());
            all.add(f.received());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(timeout.toSeconds(), TimeUnit.SECONDS);
    }

    private static List<Flow> concat(List<Flow> a, List<Flow> b) {
        List<Flow> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
