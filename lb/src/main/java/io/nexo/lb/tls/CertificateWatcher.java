package io.nexo.lb.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Polls certificate files and calls a reload when one changed (content, not only its time stamp, so
 * a file rewritten within the same second is seen). A reload that refuses a half-written file is not
 * retried until the file changes again, which its completion does. Polling on an injected scheduler,
 * or by hand with {@link #check()}.
 */
public final class CertificateWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);

    private final Supplier<List<Path>> files;
    private final Runnable reload;
    private Map<Path, Integer> seen;
    private ScheduledFuture<?> task;

    /**
     * @param files  the files in service now (asked on every poll: a config reload may change them)
     * @param reload what to do when one changed; its exceptions are logged by it and swallowed here
     */
    public CertificateWatcher(Supplier<List<Path>> files, Runnable reload) {
        this.files = files;
        this.reload = reload;
        this.seen = fingerprints();
    }

    /** Polls every {@code interval} on {@code scheduler} until {@link #close()}. */
    public synchronized CertificateWatcher start(ScheduledExecutorService scheduler, Duration interval) {
        long ms = interval.toMillis();
        task = scheduler.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Compares the files with the last poll; reloads once if any differs. @return whether one did */
    public synchronized boolean check() {
        Map<Path, Integer> now = fingerprints();
        if (now.equals(seen)) {
            return false;
        }
        seen = now;
        log.info("certificate file changed on disk: reloading certificates");
        try {
            reload.run();
        } catch (RuntimeException e) {
            log.debug("certificate reload after a file change refused: {}", e.getMessage());
        }
        return true;
    }

    private Map<Path, Integer> fingerprints() {
        Map<Path, Integer> out = new LinkedHashMap<>();
        for (Path f : files.get()) {
            try {
                out.put(f, Files.size(f) > KeyedCertificate.MAX_FILE_BYTES ? -1
                        : Arrays.hashCode(Files.readAllBytes(f)));
            } catch (IOException e) {
                out.put(f, 0); // missing or unreadable: a change too, once it comes back
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
