package io.nexo.p2p.gossip;

import java.util.concurrent.TimeUnit;

/** A scheduler whose clock only moves when the test says so: timers fire in {@link #advance}. */
final class ManualScheduler extends SimScheduler {

    void advance(long millis) {
        runUntil(nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
