package io.nexo.tools.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The ceiling a file transfer is measured against: a plain TCP copy of {@code size} bytes over
 * loopback from memory to memory (no disk, no TLS, no framing), with blocking channels and large
 * direct buffers, as fast as Java moves bytes through the kernel. The sink counts what arrives and
 * fails unless it is exactly {@code size} bytes. {@link #runFiles} does the same from a file to a
 * new file: the ceiling for the same source and sink as a download (like with like).
 */
public final class RawTcpCopy {

    /** Write and read buffer: 1 MiB, the size of one nexo chunk. */
    public static final int BUFFER_SIZE = 1 << 20;

    /** Outcome of one copy. */
    public record Result(long bytes, long nanos) {
        public double bytesPerSecond() {
            return nanos == 0 ? 0 : bytes * 1e9 / nanos;
        }
    }

    private RawTcpCopy() {
    }

    /** Copies {@code size} bytes from a source thread to a sink thread over 127.0.0.1. */
    public static Result run(long size, long timeoutSeconds) throws IOException, InterruptedException {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
        return copy(size, null, null, timeoutSeconds);
    }

    /**
     * Copies file {@code source} over 127.0.0.1 into {@code sink} (created; it must not exist): read
     * by position into the send buffer, written from the receive buffer, 1 MiB at a time.
     */
    public static Result runFiles(Path source, Path sink, long timeoutSeconds) throws IOException, InterruptedException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(sink, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            return copy(in.size(), in, out, timeoutSeconds);
        }
    }

    private static Result copy(long size, FileChannel from, FileChannel to, long timeoutSeconds)
            throws IOException, InterruptedException {
        ExecutorService sinkThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raw-copy-sink");
            t.setDaemon(true);
            return t;
        });
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Future<Long> sink = sinkThread.submit(() -> drain(server, to));
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_SIZE);
            byte[] random = new byte[BUFFER_SIZE];
            ThreadLocalRandom.current().nextBytes(random);
            buf.put(random).flip();
            long start = System.nanoTime();
            try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
                out.setOption(StandardSocketOptions.TCP_NODELAY, true);
                long left = size;
                while (left > 0) {
                    buf.clear().limit((int) Math.min(BUFFER_SIZE, left));
                    if (from != null) {
                        long pos = size - left;
                        while (buf.hasRemaining()) {
                            int n = from.read(buf, pos + buf.position());
                            if (n < 0) {
                                throw new IOException("source ended early at byte " + (pos + buf.position()));
                            }
                        }
                        buf.flip();
                    }
                    while (buf.hasRemaining()) {
                        left -= out.write(buf);
                    }
                }
                out.shutdownOutput();
                long received = sink.get(timeoutSeconds, TimeUnit.SECONDS);
                long nanos = System.nanoTime() - start;
                if (received != size) {
                    throw new IOException("raw copy received " + received + " bytes, sent " + size);
                }
                return new Result(received, nanos);
            } catch (ExecutionException e) {
                throw new IOException("raw copy sink failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("raw copy did not finish within " + timeoutSeconds + " s", e);
            }
        } finally {
            sinkThread.shutdownNow();
        }
    }

    private static long drain(ServerSocketChannel server, FileChannel to) throws IOException {
        try (SocketChannel in = server.accept()) {
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_SIZE);
            long total = 0;
            int n;
            while ((n = in.read(buf.clear())) >= 0) {
                if (to != null) {
                    // fill the buffer before writing, so the file sees 1 MiB writes like a download's
                    while (buf.hasRemaining() && (n = in.read(buf)) >= 0) {
                        // keep reading
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        total += to.write(buf, total);
                    }
                    if (n < 0) {
                        break;
                    }
                } else {
                    total += n;
                }
            }
            return total;
        }
    }
}
