package io.nexo.p2p.testing;

import io.nexo.p2p.wire.BinaryFrame;
import io.nexo.p2p.wire.proto.Envelope;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * What the node sent a {@link HostilePeer} after the handshake: envelopes (queued for the test to
 * wait on, and kept in order), binary frames as copies, counters, and the Goodbye reason. At most
 * {@code maxKept} envelopes and frames are kept; the counters count them all. Written from the
 * peer's event loop, read from the test's thread.
 */
final class NodeOutput {

    private final int maxKept;
    private final BlockingQueue<Envelope> received;
    private final BlockingQueue<HostilePeer.Binary> binaries;
    private final List<Envelope> history = new ArrayList<>();
    private final AtomicLong binaryFrames = new AtomicLong();
    private final AtomicLong envelopes = new AtomicLong();
    private final AtomicLong oversized = new AtomicLong();
    private final AtomicReference<String> goodbye = new AtomicReference<>();

    NodeOutput(int maxKept) {
        this.maxKept = maxKept;
        this.received = new LinkedBlockingQueue<>(maxKept);
        this.binaries = new LinkedBlockingQueue<>(maxKept);
    }

    void envelope(Envelope env) {
        envelopes.incrementAndGet();
        synchronized (history) {
            if (history.size() < maxKept) {
                history.add(env);
            }
        }
        received.offer(env);
    }

    /** Counts {@code frame} and keeps a copy while there is room; the caller releases it. */
    void binary(BinaryFrame frame) {
        binaryFrames.incrementAndGet();
        if (binaries.remainingCapacity() > 0) {
            byte[] copy = new byte[frame.content().readableBytes()];
            frame.content().getBytes(frame.content().readerIndex(), copy);
            binaries.offer(new HostilePeer.Binary(frame.protocol(), copy));
        }
    }

    /** Any other binary message (not a frame): counted only. */
    void otherBinary() {
        binaryFrames.incrementAndGet();
    }

    void goodbye(String reason) {
        goodbye.compareAndSet(null, reason);
    }

    void oversized() {
        oversized.incrementAndGet();
    }

    /** See {@link HostilePeer#awaitEnvelope}; {@code open} says whether more may still come. */
    Optional<Envelope> awaitEnvelope(Predicate<Envelope> match, Duration timeout, BooleanSupplier open)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            Envelope e = received.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            if (e != null && match.test(e)) {
                return Optional.of(e);
            }
            if (e == null && !open.getAsBoolean() && received.isEmpty()) {
                return Optional.empty();
            }
        }
    }

    List<Envelope> history() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    Optional<HostilePeer.Binary> nextBinary(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(binaries.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    long binaryFramesReceived() {
        return binaryFrames.get();
    }

    long envelopesReceived() {
        return envelopes.get();
    }

    long oversizedFromNode() {
        return oversized.get();
    }

    Optional<String> goodbyeReason() {
        return Optional.ofNullable(goodbye.get());
    }
}
