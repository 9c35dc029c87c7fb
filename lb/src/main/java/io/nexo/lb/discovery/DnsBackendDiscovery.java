package io.nexo.lb.discovery;

import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.util.ReferenceCountUtil;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.DnsConfig;
import io.nexo.lb.config.DnsTarget;
import io.nexo.lb.stats.LbStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Resolves one pool's DNS names again and again and hands the pool's backends to {@code onChange}
 * whenever the answer changes. {@code NAME:PORT} gives one backend per A and AAAA record;
 * {@code _service._proto.NAME} one per SRV record and address of its target, with the record's port,
 * its weight (clamped to 1-256) and, unless its priority is the lowest, as a backup.
 *
 * <p>A failed or empty answer keeps that name's last good backends (logged, counted, shown as
 * {@code stale}); a name that never resolved contributes none. Rounds run on {@code scheduler}
 * (the resolver's event loop), one at a time, after {@link DnsConfig#nextDelay}.
 */
public final class DnsBackendDiscovery implements AutoCloseable {

    /** At most this many backends are taken from one name's answer; the rest are ignored (and logged). */
    public static final int MAX_BACKENDS_PER_NAME = 256;

    private static final Logger log = LoggerFactory.getLogger(DnsBackendDiscovery.class);

    /** One name's answer: its backends and smallest TTL, or why there are none. */
    private record Answer(List<BackendConfig> backends, long ttl, String error) {
        static Answer failed(String error) {
            return new Answer(List.of(), -1, error);
        }
    }

    private record Addresses(List<InetAddress> addresses, long ttl, String error) {
    }

    private final String pool;
    private final DnsConfig config;
    private final DnsNameResolver resolver;
    private final ScheduledExecutorService scheduler;
    private final Consumer<List<BackendConfig>> onChange;
    /** Guarded by {@code this}, as is everything below. */
    private final Map<DnsTarget, List<BackendConfig>> lastGood = new LinkedHashMap<>();
    private List<BackendConfig> current = List.of();
    private long resolutions;
    private long failures;
    private long joined;
    private long removed;
    private boolean stale;
    private String lastError;
    private ScheduledFuture<?> next;
    private boolean closed;

    public DnsBackendDiscovery(String pool, DnsConfig config, DnsNameResolver resolver,
                               ScheduledExecutorService scheduler, Consumer<List<BackendConfig>> onChange) {
        this.pool = pool;
        this.config = config;
        this.resolver = resolver;
        this.scheduler = scheduler;
        this.onChange = onChange;
    }

    /** Starts the first round now. */
    public void start() {
        scheduler.execute(this::round);
    }

    /** The backends of the last good answers, in a stable order (by priority, then address). */
    public synchronized List<BackendConfig> backends() {
        return current;
    }

    public synchronized LbStatus.Dns status() {
        return new LbStatus.Dns(config.targets().stream().map(DnsTarget::toString).toList(), current.size(),
                resolutions, failures, joined, removed, stale, lastError);
    }

    private void round() {
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        for (DnsTarget t : config.targets()) {
            answers.add(t.srv() ? resolveSrv(t) : resolveAddresses(t));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> onAnswers(answers.stream().map(CompletableFuture::join).toList()));
    }

    private void onAnswers(List<Answer> answers) {
        List<BackendConfig> changed = record(answers);
        if (changed != null) {
            // outside the lock: the balancer takes its own lock and then asks backends()
            onChange.accept(changed);
        }
    }

    /** Takes in one round's answers; returns the new backends when they changed, else null. */
    private synchronized List<BackendConfig> record(List<Answer> answers) {
        if (closed) {
            return null;
        }
        resolutions++;
        long ttl = Long.MAX_VALUE;
        boolean anyFailed = false;
        for (int i = 0; i < answers.size(); i++) {
            DnsTarget target = config.targets().get(i);
            Answer a = answers.get(i);
            if (a.error == null && !a.backends.isEmpty()) {
                lastGood.put(target, a.backends);
                ttl = Math.min(ttl, a.ttl);
                continue;
            }
            anyFailed = true;
            failures++;
            lastError = target + ": " + (a.error == null ? "empty answer" : a.error);
            List<BackendConfig> kept = lastGood.getOrDefault(target, List.of());
            log.warn("pool {}: DNS {}; keeping the last good list of {} backend{}", pool, lastError, kept.size(),
                    kept.size() == 1 ? "" : "s");
        }
        stale = anyFailed;
        next = scheduler.schedule(this::round, config.nextDelay(ttl == Long.MAX_VALUE ? -1 : ttl).toNanos(),
                TimeUnit.NANOSECONDS);
        return merge();
    }

    /** The union of every name's last good list when it differs from the current one, else null. */
    private List<BackendConfig> merge() {
        Map<String, BackendConfig> union = new LinkedHashMap<>();
        lastGood.values().forEach(list -> list.forEach(b -> union.putIfAbsent(b.name(), b)));
        List<BackendConfig> next = List.copyOf(union.values());
        if (next.equals(current)) {
            return null;
        }
        Set<String> before = new LinkedHashSet<>();
        current.forEach(b -> before.add(b.name()));
        List<String> in = next.stream().map(BackendConfig::name).filter(n -> !before.remove(n)).toList();
        joined += in.size();
        removed += before.size();
        log.info("pool {}: DNS answer changed: {} backend{}; joining {}, draining {}", pool, next.size(),
                next.size() == 1 ? "" : "s", in, before);
        current = next;
        return next;
    }

    private CompletableFuture<Answer> resolveAddresses(DnsTarget target) {
        return addresses(target.name()).thenApply(a -> {
            if (a.error != null) {
                return Answer.failed(a.error);
            }
            List<BackendConfig> out = new ArrayList<>();
            for (InetAddress ip : a.addresses) {
                out.add(BackendConfig.of(new HostAndPort(ip.getHostAddress(), target.port())));
            }
            return new Answer(limit(target, sorted(out)), a.ttl, null);
        });
    }

    private CompletableFuture<Answer> resolveSrv(DnsTarget target) {
        return query(target.name(), DnsRecordType.SRV).thenCompose(records -> {
            List<DnsRecords.Srv> srvs = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (DnsRecord r : records) {
                if (r.type() == DnsRecordType.SRV && srvs.size() < MAX_BACKENDS_PER_NAME) {
                    DnsRecords.srv(r).ifPresent(srvs::add);
                    ttl = Math.min(ttl, r.timeToLive());
                }
                ReferenceCountUtil.release(r);
            }
            if (srvs.isEmpty()) {
                return CompletableFuture.completedFuture(Answer.failed("no usable SRV record"));
            }
            int lowest = srvs.stream().mapToInt(DnsRecords.Srv::priority).min().orElseThrow();
            List<CompletableFuture<Addresses>> targets = srvs.stream().map(s -> addresses(s.target())).toList();
            long srvTtl = ttl;
            return CompletableFuture.allOf(targets.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<BackendConfig> out = new ArrayList<>();
                long minTtl = srvTtl;
                for (int i = 0; i < srvs.size(); i++) {
                    DnsRecords.Srv s = srvs.get(i);
                    Addresses a = targets.get(i).join();
                    if (a.error != null) {
                        log.warn("pool {}: DNS {}: SRV target {}: {}", pool, target, s.target(), a.error);
                        continue;
                    }
                    minTtl = Math.min(minTtl, a.ttl);
                    int weight = Math.max(1, Math.min(BackendConfig.MAX_WEIGHT, s.weight()));
                    for (InetAddress ip : a.addresses) {
                        out.add(new BackendConfig(null, new HostAndPort(ip.getHostAddress(), s.port()), weight,
                                s.priority() != lowest, 0));
                    }
                }
                return out.isEmpty() ? Answer.failed("no SRV target resolves") : new Answer(limit(target, sorted(out)),
                        minTtl, null);
            });
        }).exceptionally(e -> Answer.failed(describe(e)));
    }

    /** The A and AAAA records of {@code name}: an error only when both queries fail or give nothing. */
    private CompletableFuture<Addresses> addresses(String name) {
        CompletableFuture<List<DnsRecord>> a = query(name, DnsRecordType.A);
        CompletableFuture<List<DnsRecord>> aaaa = query(name, DnsRecordType.AAAA);
        return CompletableFuture.allOf(a, aaaa).handle((v, e) -> {
            List<InetAddress> out = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            List<String> errors = new ArrayList<>();
            for (CompletableFuture<List<DnsRecord>> f : List.of(a, aaaa)) {
                if (f.isCompletedExceptionally()) {
                    errors.add(describe(f.handle((r, x) -> x).join()));
                    continue;
                }
                for (DnsRecord r : f.join()) {
                    if ((r.type() == DnsRecordType.A || r.type() == DnsRecordType.AAAA)
                            && out.size() < MAX_BACKENDS_PER_NAME) {
                        DnsRecords.address(r).ifPresent(out::add);
                        ttl = Math.min(ttl, r.timeToLive());
                    }
                    ReferenceCountUtil.release(r);
                }
            }
            if (out.isEmpty()) {
                return new Addresses(List.of(), -1, errors.isEmpty() ? "no A or AAAA record for " + name
                        : String.join("; ", errors));
            }
            return new Addresses(out, ttl, null);
        });
    }

    private CompletableFuture<List<DnsRecord>> query(String name, DnsRecordType type) {
        CompletableFuture<List<DnsRecord>> out = new CompletableFuture<>();
        resolver.resolveAll(new DefaultDnsQuestion(name, type)).addListener(f -> {
            if (f.isSuccess()) {
                @SuppressWarnings("unchecked")
                List<DnsRecord> records = (List<DnsRecord>) f.getNow();
                out.complete(records);
            } else {
                out.completeExceptionally(f.cause());
            }
        });
        return out;
    }

    private static List<BackendConfig> sorted(List<BackendConfig> list) {
        // DNS servers rotate their answers: order by role then address, so a rotation is no change
        List<BackendConfig> copy = new ArrayList<>(list);
        copy.sort(Comparator.comparing(BackendConfig::backup).thenComparing(BackendConfig::name));
        return copy;
    }

    private List<BackendConfig> limit(DnsTarget target, List<BackendConfig> list) {
        if (list.size() <= MAX_BACKENDS_PER_NAME) {
            return list;
        }
        log.warn("pool {}: DNS {}: {} backends, taking the first {}", pool, target, list.size(), MAX_BACKENDS_PER_NAME);
        return List.copyOf(list.subList(0, MAX_BACKENDS_PER_NAME));
    }

    private static String describe(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    /** Stops resolving; the backends found so far stay where they are. */
    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
    }
}
