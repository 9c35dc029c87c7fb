package io.nexo.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs a reload on SIGHUP, the Unix convention for "re-read your configuration" (HAProxy, nginx).
 * The JVM runs each signal handler on a fresh thread, so a slow reload never blocks the next
 * signal's delivery; the action itself must be thread-safe.
 */
final class ReloadSignal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);

    private final Signal signal = new Signal("HUP");
    private final SignalHandler previous;

    private ReloadSignal(Runnable reload) {
        previous = Signal.handle(signal, s -> {
            log.info("SIGHUP: reloading the configuration");
            try {
                reload.run();
            } catch (RuntimeException e) {
                // the action logs why; the balancer keeps running on its old configuration
                log.debug("reload after SIGHUP failed", e);
            }
        });
    }

    /** Takes over SIGHUP until {@link #close()}. */
    static ReloadSignal install(Runnable reload) {
        return new ReloadSignal(reload);
    }

    @Override
    public void close() {
        Signal.handle(signal, previous);
    }
}
