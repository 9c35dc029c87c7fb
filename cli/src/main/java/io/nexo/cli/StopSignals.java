package io.nexo.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Turns SIGTERM and SIGINT into a graceful stop: the first one releases {@link #await()}, a second one
 * runs the "hurry up" action (e.g. cut the drain short). Handling the signals ourselves, rather than
 * in a shutdown hook, lets the command finish its work and exit 0, not 143.
 */
final class StopSignals implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StopSignals.class);
    private static final String[] NAMES = {"TERM", "INT"};

    private final CountDownLatch first = new CountDownLatch(1);
    private final Map<Signal, SignalHandler> previous = new HashMap<>();
    private volatile String received;
    private volatile Runnable onSecond = () -> { };

    private StopSignals() {
    }

    /** Takes over SIGTERM and SIGINT until {@link #close()}. */
    static StopSignals install() {
        StopSignals s = new StopSignals();
        for (String name : NAMES) {
            try {
                Signal signal = new Signal(name);
                s.previous.put(signal, Signal.handle(signal, s::handle));
            } catch (IllegalArgumentException e) {
                log.debug("cannot handle SIG{} here: {}", name, e.getMessage());
            }
        }
        return s;
    }

    private void handle(Signal signal) {
        if (received == null) {
            received = "SIG" + signal.getName();
            first.countDown();
        } else {
            log.warn("second signal (SIG{}): stopping now", signal.getName());
            onSecond.run();
        }
    }

    /** Releases {@link #await()} as a first signal would, with {@code reason} as its name. */
    void stopFor(String reason) {
        if (received == null) {
            received = reason;
            first.countDown();
        }
    }

    /** What to do when a second signal arrives while stopping. */
    void onSecondSignal(Runnable action) {
        this.onSecond = action;
    }

    /** Blocks until the first signal; returns its name, e.g. {@code SIGTERM}. */
    String await() throws InterruptedException {
        first.await();
        return received;
    }

    @Override
    public void close() {
        previous.forEach((signal, handler) -> {
            try {
                Signal.handle(signal, handler);
            } catch (IllegalArgumentException ignored) {
                // nothing to restore
            }
        });
    }
}
