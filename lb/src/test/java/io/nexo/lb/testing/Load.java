package io.nexo.lb.testing;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client that opens one connection to a balancer every {@code period}, reads which backend
 * answered and closes, counting answers and failures: the load under which a change must not fail a
 * connection. Close it to stop.
 */
public final class Load implements AutoCloseable {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();

    private Load() {
    }

    public static Load start(InetSocketAddress address, Duration period) {
        Load load = new Load();
        load.scheduler.scheduleAtFixedRate(() -> load.once(address), 0, period.toNanos(), TimeUnit.NANOSECONDS);
        return load;
    }

    private void once(InetSocketAddress address) {
        try {
            if (Client.whoAnswers(address) == null) {
                throw new java.io.IOException("closed before a backend greeted");
            }
            answered.incrementAndGet();
        } catch (Exception e) {
            failures.incrementAndGet();
            lastFailure.set(e.toString());
        }
    }

    public long answered() {
        return answered.get();
    }

    public long failures() {
        return failures.get();
    }

    public String lastFailure() {
        return lastFailure.get();
    }

    @Override
    public void close() throws InterruptedException {
        scheduler.shutdown();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }
}
