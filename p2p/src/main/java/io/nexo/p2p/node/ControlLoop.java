package io.nexo.p2p.node;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one event loop that owns a node's state (sessions, gossip, address book, dials): every
 * component of the node runs there, so none of that state needs a lock. This class only hands work
 * to it, from any thread.
 */
final class ControlLoop {

    private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);
    private static final long CALL_TIMEOUT_SECONDS = 10;

    private final EventLoop loop;

    ControlLoop(EventLoop loop) {
        this.loop = loop;
    }

    EventLoop loop() {
        return loop;
    }

    boolean inLoop() {
        return loop.inEventLoop();
    }

    /** Runs {@code task} on the loop; once the node is stopped the loop may be gone: then drops it. */
    void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("node stopped; dropping a late task");
        }
    }

    /** Runs {@code task} on the loop; false when the loop is gone (the node is stopped). */
    boolean tryExecute(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        return loop.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    ScheduledFuture<?> every(Runnable task, long periodMillis) {
        return loop.scheduleWithFixedDelay(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} on the loop and waits for its result (at once when already on the loop). */
    <T> T call(Callable<T> task) {
        if (loop.inEventLoop()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return loop.submit(task).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new PeerException("node control loop did not answer within " + CALL_TIMEOUT_SECONDS + " s");
        } catch (RejectedExecutionException e) {
            throw new PeerException("node is stopped");
        }
    }
}
