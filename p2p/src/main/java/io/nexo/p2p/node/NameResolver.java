package io.nexo.p2p.node;

import io.netty.util.NetUtil;
import io.nexo.core.net.HostAndPort;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolves host names for dials off the control loop: a name from a peer (peer exchange, an address
 * book entry) may take seconds to resolve, or hang, and the control loop runs all of the node's
 * state. IP literals resolve at once; names go to a small pool of threads (the JDK's resolver
 * blocks) with a bounded queue, each with a timeout, and answers are cached (failures too, for
 * less time), so a flood of names costs a bounded number of threads and lookups.
 *
 * <p>A lookup that hangs keeps its thread until the system resolver gives up; the dial waiting for
 * it fails at the timeout. Thread-safe.
 */
final class NameResolver implements AutoCloseable {

    /** The blocking lookup (the system resolver by default; tests inject a slow one). */
    interface Lookup {
        InetAddress resolve(String host) throws UnknownHostException, InterruptedException;
    }

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration POSITIVE_TTL = Duration.ofMinutes(1);
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(10);
    static final int THREADS = 4;
    static final int MAX_QUEUED = 64;
    static final int CACHE_SIZE = 1024;

    private record Cached(InetAddress address, String failure, long expiresMillis) {
    }

    private final Lookup lookup;
    private final Duration timeout;
    private final Clock clock;
    private final ThreadPoolExecutor pool;
    private final Map<String, Cached> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > CACHE_SIZE;
        }
    };
    private final Map<String, CompletableFuture<InetAddress>> inFlight = new HashMap<>();

    NameResolver(Lookup lookup, Duration timeout, Clock clock) {
        this.lookup = lookup;
        this.timeout = timeout;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_QUEUED),
                r -> {
                    Thread t = new Thread(r, "nexo-resolver-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    static NameResolver system(Clock clock) {
        return new NameResolver(InetAddress::getByName, DEFAULT_TIMEOUT, clock);
    }

    /** Resolves {@code a}; completes on a resolver thread (or at once for an IP literal or a cached name). */
    CompletableFuture<InetSocketAddress> resolve(HostAndPort a) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(a.host());
        if (literal != null) {
            try {
                return CompletableFuture.completedFuture(new InetSocketAddress(InetAddress.getByAddress(literal), a.port()));
            } catch (UnknownHostException e) {
                return CompletableFuture.failedFuture(e); // not reached: the length is 4 or 16
            }
        }
        return lookup(a.host()).thenApply(ip -> new InetSocketAddress(ip, a.port()));
    }

    private synchronized CompletableFuture<InetAddress> lookup(String host) {
        String key = host.toLowerCase();
        Cached c = cache.get(key);
        if (c != null && clock.millis() < c.expiresMillis()) {
            return c.address() != null ? CompletableFuture.completedFuture(c.address())
                    : CompletableFuture.failedFuture(new UnknownHostException(c.failure()));
        }
        CompletableFuture<InetAddress> running = inFlight.get(key);
        if (running != null) {
            return running;
        }
        CompletableFuture<InetAddress> f = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    f.complete(lookup.resolve(host));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    f.completeExceptionally(new UnknownHostException("cannot resolve " + host + ": resolver stopped"));
                } catch (UnknownHostException | RuntimeException e) {
                    f.completeExceptionally(new UnknownHostException("cannot resolve " + host + ": "
                            + (e.getMessage() != null ? e.getMessage() : e.toString())));
                }
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new UnknownHostException("cannot resolve " + host
                    + ": too many names being resolved (" + MAX_QUEUED + " queued)"));
        }
        CompletableFuture<InetAddress> answer = f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ip, err) -> {
                    if (err != null) {
                        throw new CompletionException(failure(host, err));
                    }
                    return ip;
                });
        inFlight.put(key, answer);
        answer.whenComplete((ip, err) -> done(key, ip, err));
        return answer;
    }

    private UnknownHostException failure(String host, Throwable err) {
        Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (c instanceof UnknownHostException u) {
            return u;
        }
        return new UnknownHostException("cannot resolve " + host + ": "
                + (c instanceof TimeoutException ? "no answer within " + timeout.toMillis() + " ms" : c.toString()));
    }

    private synchronized void done(String key, InetAddress ip, Throwable err) {
        inFlight.remove(key);
        long now = clock.millis();
        if (ip != null) {
            cache.put(key, new Cached(ip, null, now + POSITIVE_TTL.toMillis()));
        } else {
            Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            cache.put(key, new Cached(null, c.getMessage(), now + NEGATIVE_TTL.toMillis()));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
