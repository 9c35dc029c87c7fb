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
    private SignalHandler previous;

    private ReloadSignal(Runnable reload) {
        try {
            previous = Signal.handle(signal, s -> onHangUp(reload));
        } catch (IllegalArgumentException e) {
            log.debug("cannot handle SIGHUP here: {}", e.getMessage()); // not a Unix JVM
        }
    }

    private static void onHangUp(Runnable reload) {
        log.info("SIGHUP: reloading the configuration");
        try {
            reload.run();
        } catch (RuntimeException e) {
            // the action logs why; the balancer keeps running on its old configuration
            log.debug("reload after SIGHUP failed", e);
        }
    }

    /** Takes over SIGHUP until {@link #close()}. */
    static ReloadSignal install(Runnable reload) {
        return new ReloadSignal(reload);
    }

    @Override
    public void close() {
        if (previous != null) {
            Signal.handle(signal, previous);
        }
    }
}
