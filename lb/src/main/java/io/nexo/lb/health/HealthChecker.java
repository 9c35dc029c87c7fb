package io.nexo.lb.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseCombiner;
import io.nexo.lb.backend.AdminState;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.backend.BackendPool;
import io.nexo.lb.config.CheckProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Active health checks of one pool: each backend is checked {@code interval} after its previous
 * check ended (so checks of one backend never overlap), with the pool's {@link CheckProtocol}: a TCP
 * connect, a send/expect exchange or an HTTP request. Each check ends its connection gracefully
 * ({@link ProbeHandler}); the verdict, with its reason, goes to the backend's counters and to the
 * {@link BackendPool}, which applies rise/fall. A failure reason is logged when it changes.
 *
 * <p>All checks run on one event loop, which is also the scheduler; tests call {@link #checkNow()}
 * and wait for its future instead of waiting for the clock.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final BackendPool pool;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final Map<Backend, CheckExchange> exchanges = new LinkedHashMap<>();
    private final Map<Backend, ScheduledFuture<?>> scheduled = new ConcurrentHashMap<>();
    private volatile boolean started;
    private volatile boolean closed;

    /** A plain TCP check. */
    public HealthChecker(BackendPool pool, EventLoop loop, Class<? extends SocketChannel> channelClass,
                         Duration interval, Duration timeout) {
        this(pool, loop, channelClass, interval, timeout, CheckProtocol.TCP);
    }

    /**
     * @param timeout  how long one check may take from the connect attempt to the verdict; after the
     *                 verdict the check waits as long again, at most, for the backend to close
     */
    public HealthChecker(BackendPool pool, EventLoop loop, Class<? extends SocketChannel> channelClass,
                         Duration interval, Duration timeout, CheckProtocol protocol) {
        this.pool = pool;
        this.loop = loop;
        this.intervalNanos = interval.toNanos();
        this.timeoutNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), timeout.toNanos());
        for (Backend b : pool.all()) {
            exchanges.put(b, CheckExchange.of(protocol, b.address()));
        }
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()));
        // no SO_LINGER 0: a reset while a backend sits in recv() kills simple backends (the seed's);
        // the check's own FIN leaves a TIME_WAIT here instead (docs/architecture.md, "Health checks")
    }

    /**
     * Checks each backend every {@code interval} from now on; a {@linkplain Backend#isJoining joining}
     * backend at once, since it takes no client until a check passed.
     */
    public synchronized void start() {
        if (!started && !closed) {
            started = true;
            pool.all().forEach(b -> scheduleNext(b, b.isJoining() ? 0 : intervalNanos));
        }
    }

    private void scheduleNext(Backend backend) {
        scheduleNext(backend, intervalNanos);
    }

    private void scheduleNext(Backend backend, long delayNanos) {
        if (closed) {
            return;
        }
        scheduled.put(backend, loop.schedule(() -> runAndReschedule(backend), delayNanos, TimeUnit.NANOSECONDS));
        if (closed) {
            scheduled.values().forEach(f -> f.cancel(false));
        }
    }

    private void runAndReschedule(Backend backend) {
        if (closed) {
            return;
        }
        if (backend.adminState() == AdminState.DISABLED) {
            scheduleNext(backend); // in maintenance: not checked
        } else {
            check(backend).addListener(f -> scheduleNext(backend));
        }
    }

    /** Checks every backend once; the future completes when every check has ended its connection. */
    public Future<Void> checkNow() {
        Promise<Void> all = loop.newPromise();
        loop.execute(() -> {
            PromiseCombiner combiner = new PromiseCombiner(loop);
            for (Backend backend : pool.all()) {
                if (backend.adminState() != AdminState.DISABLED) {
                    combiner.add(check(backend)); // a disabled backend is in maintenance: not checked
                }
            }
            combiner.finish(all);
        });
        return all;
    }

    /** One check of {@code backend}; the future completes when its connection is closed. */
    private Future<Void> check(Backend backend) {
        Promise<Void> done = loop.newPromise();
        long started = System.nanoTime();
        ProbeHandler handler = new ProbeHandler(exchanges.get(backend), started + timeoutNanos,
                TimeUnit.NANOSECONDS.toMillis(timeoutNanos), timeoutNanos,
                (ok, reason) -> record(backend, ok, reason, System.nanoTime() - started), done);
        ChannelFuture connect = bootstrap.clone().handler(handler).connect(backend.socketAddress());
        connect.addListener((ChannelFuture f) -> {
            // once connected, the handler completes done in channelInactive, after its verdict: not the
            // close future, which Netty completes before channelInactive runs
            if (!f.isSuccess()) {
                record(backend, false, describe(f.cause()), 0);
                done.setSuccess(null);
            }
        });
        return done;
    }

    private void record(Backend backend, boolean ok, String reason, long nanos) {
        String before = backend.stats().lastCheckError();
        if (ok) {
            backend.stats().checkSucceeded(nanos);
            if (before != null) {
                log.info("pool {}: health check of backend {} passed again", pool.name(), backend);
            }
        } else {
            backend.stats().checkFailed(reason);
            if (!reason.equals(before)) {
                log.warn("pool {}: health check of backend {} failed: {}", pool.name(), backend, reason);
            } else {
                log.debug("pool {}: health check of backend {} failed: {}", pool.name(), backend, reason);
            }
        }
        pool.recordCheck(backend, ok, reason);
    }

    /** Netty's native messages: "connect(..) failed: Connection refused: /127.0.0.1:8001". */
    private static final Pattern NATIVE_PREFIX = Pattern.compile("^.*?failed(?: with error\\(-?\\d+\\))?: ");
    private static final Pattern ADDRESS_SUFFIX = Pattern.compile(": /\\S+$");

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
        String s = ADDRESS_SUFFIX.matcher(NATIVE_PREFIX.matcher(m).replaceFirst("")).replaceFirst("");
        // "Connection refused" -> "connection refused", as in the other reasons
        return s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))
                ? Character.toLowerCase(s.charAt(0)) + s.substring(1) : s;
    }

    /** Stops scheduling checks; a check in progress ends on its own (bounded by the timeout). */
    @Override
    public synchronized void close() {
        closed = true;
        scheduled.values().forEach(f -> f.cancel(false));
        scheduled.clear();
    }
}
