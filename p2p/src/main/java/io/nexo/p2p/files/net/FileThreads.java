package io.nexo.p2p.files.net;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file exchange's own threads besides the session I/O threads: two disk writers (manifest
 * checks, final checks, peer bookkeeping of downloads) and a timer (timeouts, progress,
 * re-announcements, uploads waiting for the rate cap).
 */
final class FileThreads implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileThreads.class);

    private final ExecutorService writers = Executors.newFixedThreadPool(2, daemon("nexo-files"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("nexo-files-timer"));
    private volatile boolean closed;

    /** The disk writers, for callers that compose futures on them. */
    ExecutorService writers() {
        return writers;
    }

    /** Runs {@code task} on the disk writers; false (task not run) once the exchange is closing. */
    boolean onWriters(Runnable task) {
        if (closed) {
            return false;
        }
        try {
            writers.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the timer every {@code periodMillis}, first after one period. */
    void every(long periodMillis, Runnable task) {
        timer.scheduleWithFixedDelay(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code task} on the timer after {@code delayNanos}.
     *
     * @throws RejectedExecutionException once the exchange is closing
     */
    ScheduledFuture<?> after(long delayNanos, Runnable task) {
        return timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    boolean isClosed() {
        return closed;
    }

    /** Stops the timer at once (nothing more is scheduled); the writers are stopped by {@link #close}. */
    void stopTimer() {
        closed = true;
        timer.shutdownNow();
    }

    /** Lets the disk writers finish what they were given (up to 5 s), then stops them. */
    @Override
    public void close() {
        stopTimer();
        writers.shutdown();
        try {
            if (!writers.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("File exchange writers still busy after 5 s; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
