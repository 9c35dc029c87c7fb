package io.nexo.bench;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the SHA-256 of a received 1 MiB chunk costs, by where its bytes are: a heap array (what the
 * JDK's SHA-NI intrinsic reads), direct buffers handed to {@code MessageDigest.update(ByteBuffer)}
 * (the JDK stages them through a 4 KiB heap array), and direct buffers staged by the caller through
 * a larger reused heap array. The chunk arrives as pieces of {@code piece} bytes (TLS's ~16 KiB
 * records, or 256 KiB blocks).
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar ChunkHash
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkHashBenchmark {

    private static final int CHUNK = 1 << 20;

    @Param({"16384", "262144"})
    public int piece;

    private byte[] heap;
    private ByteBuffer[] direct;
    private final byte[] staging = new byte[64 << 10];
    private MessageDigest sha;

    @Setup
    public void setUp() throws NoSuchAlgorithmException {
        heap = new byte[CHUNK];
        ThreadLocalRandom.current().nextBytes(heap);
        direct = new ByteBuffer[CHUNK / piece];
        for (int i = 0; i < direct.length; i++) {
            direct[i] = ByteBuffer.allocateDirect(piece).put(heap, i * piece, piece).flip();
        }
        sha = MessageDigest.getInstance("SHA-256");
    }

    /** The floor: the intrinsic over a heap array, no copy. */
    @Benchmark
    public byte[] heapArray() {
        sha.update(heap, 0, CHUNK);
        return sha.digest();
    }

    /** What nexo does: each direct piece to {@code update(ByteBuffer)}, staged by the JDK 4 KiB at a time. */
    @Benchmark
    public byte[] directThroughJdk() {
        for (ByteBuffer b : direct) {
            sha.update(b.duplicate());
        }
        return sha.digest();
    }

    /** Direct pieces copied by the caller into a reused 64 KiB heap array, then hashed from it. */
    @Benchmark
    public byte[] directStaged64k() {
        for (ByteBuffer b : direct) {
            ByteBuffer d = b.duplicate();
            while (d.hasRemaining()) {
                int n = Math.min(staging.length, d.remaining());
                d.get(staging, 0, n);
                sha.update(staging, 0, n);
            }
        }
        return sha.digest();
    }

    /** The staging copy alone (direct to heap, 64 KiB at a time): the part of the cost that is not hashing. */
    @Benchmark
    public int copyOnly() {
        int x = 0;
        for (ByteBuffer b : direct) {
            ByteBuffer d = b.duplicate();
            while (d.hasRemaining()) {
                int n = Math.min(staging.length, d.remaining());
                d.get(staging, 0, n);
                x += staging[n - 1];
            }
        }
        return x;
    }
}
