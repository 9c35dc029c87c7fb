package io.nexo.lb.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseCombiner;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.backend.BackendPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Active TCP health checks: every {@code interval}, connect to each backend and close at once (as
 * HAProxy's plain {@code check}); a connect within {@code timeout} is a pass, anything else a failure.
 * Results go to the {@link BackendPool}, which applies rise/fall and logs changes.
 *
 * <p>All probes run on one event loop, which is also the scheduler; tests call {@link #checkNow()}
 * and wait for its future instead of waiting for the clock.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final BackendPool pool;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Duration interval;
    private ScheduledFuture<?> schedule;

    public HealthChecker(BackendPool pool, EventLoop loop, Class<? extends SocketChannel> channelClass,
                         Duration interval, Duration timeout) {
        this.pool = pool;
        this.loop = loop;
        this.interval = interval;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
                .option(ChannelOption.SO_LINGER, 0) // close with RST: no TIME_WAIT left per check
                .handler(NoOp.INSTANCE);
    }

    /** A probe only connects; it never reads or writes. */
    @ChannelHandler.Sharable
    private static final class NoOp extends ChannelInboundHandlerAdapter {
        static final NoOp INSTANCE = new NoOp();
    }

    /** Checks every {@code interval} from now on. */
    public synchronized void start() {
        if (schedule == null) {
            long nanos = interval.toNanos();
            schedule = loop.scheduleWithFixedDelay(this::checkNow, nanos, nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Probes every backend once; the future completes when all results are recorded. */
    public Future<Void> checkNow() {
        Promise<Void> all = loop.newPromise();
        loop.execute(() -> {
            PromiseCombiner combiner = new PromiseCombiner(loop);
            for (Backend backend : pool.all()) {
                if (backend.adminState() != io.nexo.lb.backend.AdminState.DISABLED) {
                    combiner.add(probe(backend)); // a disabled backend is in maintenance: not probed
                }
            }
            combiner.finish(all);
        });
        return all;
    }

    private Future<Void> probe(Backend backend) {
        Promise<Void> done = loop.newPromise();
        long started = System.nanoTime();
        ChannelFuture connect = bootstrap.connect(backend.socketAddress());
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                backend.stats().checkSucceeded(System.nanoTime() - started);
                f.channel().close();
                pool.recordCheck(backend, true, null);
            } else {
                String why = describe(f.cause());
                log.debug("health check of backend {} failed: {}", backend, why);
                pool.recordCheck(backend, false, why);
            }
            done.setSuccess(null);
        });
        return done;
    }

    /** A short reason for logs: "connection refused", "connect timed out after 3000 ms". */
    public static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        String m = cause.getMessage();
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            return m != null ? m : "connect timed out";
        }
        if (m == null) {
            return cause.getClass().getSimpleName();
        }
        // Netty's native messages look like "connect(..) failed: Connection refused: /127.0.0.1:8001"
        int i = m.indexOf("failed: ");
        return i >= 0 ? m.substring(i + "failed: ".length()) : m;
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.cancel(false);
            schedule = null;
        }
    }
}
