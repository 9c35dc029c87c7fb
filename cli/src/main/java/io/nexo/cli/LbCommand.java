package io.nexo.cli;

import io.netty.buffer.PooledByteBufAllocator;
import io.nexo.core.config.Durations;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.LoadBalancer;
import io.nexo.core.admin.AdminAccessPolicy;
import io.nexo.core.admin.AdminServer;
import io.nexo.lb.admin.LbAdmin;
import io.nexo.lb.admin.LbController;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ConfigLoader;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.tls.CertificateWatcher;
import io.nexo.lb.upgrade.HandoverConfig;
import io.nexo.lb.upgrade.ListenerHandover;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** {@code nexo lb}: the layer-4 TCP load balancer, in the foreground until SIGTERM or SIGINT. */
@Command(name = "lb",
        mixinStandardHelpOptions = true,
        header = "Layer-4 TCP load balancer with health checks and failover.",
        sortOptions = false,
        usageHelpAutoWidth = true,
        defaultValueProvider = LbFlags.Defaults.class,
        description = {
                "Layer-4 TCP load balancer: accepts clients on --listen and proxies each connection, "
                        + "full-duplex, to the next backend in round-robin order. A backend that refuses or "
                        + "times out is skipped (the connection is retried on the next one); active TCP health "
                        + "checks take failing backends out and bring them back.",
                "SIGTERM/SIGINT: stop accepting, let open connections finish (up to --drain-timeout), exit 0.",
                "TLS: --tls-cert terminates TLS (certificate by SNI), --sni-route passes it through by SNI, "
                        + "--backend-tls re-encrypts to the backends; certificates reload on SIGHUP, POST /api/reload "
                        + "and when a certificate file changes.",
                "--config FILE: several listeners and pools from a YAML file (docs/lb-config.md); SIGHUP reloads "
                        + "it without dropping or refusing a connection; an invalid file is refused and the old "
                        + "configuration keeps running.",
                "Durations: 500ms, 3s, 2m, 1h, 0. Addresses: 127.0.0.1:8000, localhost:8000 or [::1]:8000.",
                ""})
final class LbCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(LbCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The flags of the one listener and pool that run without --config. */
    @CommandLine.Mixin
    LbFlags flags;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "0",
            description = "Event loop threads; 0 = one per available CPU (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--transport", paramLabel = "NAME", defaultValue = "auto",
            description = "Socket transport: auto (io_uring where the kernel allows it, else epoll, else NIO), "
                    + "io_uring, epoll or nio (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Run the listeners and pools of this YAML file (format: docs/lb-config.md) instead of "
                    + "the one-pool flags above; SIGHUP or POST /api/reload re-reads it. Only --admin, "
                    + "--admin-*, --io-threads, --transport, --handover-socket and --takeover may be combined with it.")
    Path configFile;

    @Option(names = "--check",
            description = "With --config: validate the file (syntax, values, backend names resolve, certificates "
                    + "load), print a summary and exit 0, or the error with file and line and exit 2; nothing is "
                    + "started.")
    boolean check;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Serve the admin API, Prometheus /metrics and the stats page on this address "
                    + "(off by default; overrides the file's 'admin'). A non-loopback address needs "
                    + "--admin-token-file.")
    HostAndPort admin;

    /** Token, metrics protection and Host names of the admin API. */
    @CommandLine.Mixin
    AdminAccessFlags adminAccess;

    @Option(names = "--handover-socket", paramLabel = "PATH",
            description = "Serve this process's listening sockets on this UNIX socket (mode 0600; its directory "
                    + "must be yours alone, mode 0700) to a successor started with --takeover PATH, then drain "
                    + "and exit when it takes over. Needs the epoll transport (auto picks it).")
    Path handoverSocket;

    @Option(names = "--takeover", paramLabel = "PATH",
            description = "Upgrade: take the listening sockets of the nexo lb serving --handover-socket PATH "
                    + "(listeners on the same addresses adopt them, nothing is re-bound), start accepting, then "
                    + "tell the old process to drain. Combine with --handover-socket PATH to be upgradable in turn.")
    Path takeover;

    @Override
    public Integer call() throws Exception {
        if (check && configFile == null) {
            throw new UsageException("--check needs --config FILE (it validates a configuration file)");
        }
        HandoverConfig handover = handoverConfig();
        Transport socketTransport = Transport.named(handover.enabled() && transport.equals("auto") ? "epoll" : transport);
        if (handover.enabled() && !socketTransport.name().equals("epoll")) {
            throw new UsageException("--handover-socket and --takeover need --transport epoll (Netty's " + transport
                    + " server channel cannot adopt a listening socket from another process)");
        }
        BalancerConfig config = configFile != null ? fromFile() : fromFlags();
        // read the token now, so a bad token file stops the start (and fails --check) with one line
        AdminAccessPolicy access = config.admin().map(a -> AdminAccessPolicy.of(config.adminAccess(), a)).orElse(null);
        LoadBalancer lb;
        try {
            lb = new LoadBalancer(config, ioThreads, socketTransport, PooledByteBufAllocator.DEFAULT);
        } catch (IllegalArgumentException e) {
            // e.g. a backend name that does not resolve: say which file it came from
            throw configFile != null ? new UsageException(configFile + ": " + e.getMessage(), e) : e;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (check) {
            int backendCount = config.pools().values().stream().mapToInt(p -> p.backends().size()).sum();
            out.println(configFile + ": ok (" + config.listeners().size() + " listener(s), " + config.pools().size()
                    + " pool(s), " + backendCount + " backend(s))");
            out.flush();
            return ExitCodes.OK;
        }
        try (StopSignals signals = StopSignals.install()) {
            ListenerHandover exposed = UpgradeStart.start(lb, handover, () -> signals.stopFor("takeover"));
            LbController controller = new LbController(lb, Optional.ofNullable(configFile));
            AdminServer adminServer = startAdmin(config, access, lb, controller);
            ReloadSignal reload = ReloadSignal.install(() -> reloadQuietly(access, controller));
            ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "nexo-lb-certificate-watch");
                t.setDaemon(true);
                return t;
            });
            new CertificateWatcher(controller::certificateFiles, controller::reloadCertificates)
                    .start(poller, CertificateWatcher.DEFAULT_POLL);
            try {
                printListening(out, lb, config, adminServer);
                tenureStartupHeap();
                String signal = signals.await();
                log.info("{}: stopping gracefully (drain timeout {})", signal,
                        Durations.format(config.drainTimeout()));
                signals.onSecondSignal(lb::closeAllConnections);
                lb.stop(config.drainTimeout());
            } finally {
                if (exposed != null) {
                    exposed.close();
                }
                reload.close();
                poller.shutdownNow();
                if (adminServer != null) {
                    adminServer.close();
                }
            }
        }
        return ExitCodes.OK;
    }

    /**
     * One full collection once everything is started. What starting leaves live on the heap (the config,
     * classes' strings, Netty's, the admin server's and the logger's setup: about 7 MiB) would otherwise
     * sit in the young generation and be copied by each young collection until it is old enough to be
     * tenured, 7 or more of them: 10-30 ms pauses each on the balancer's one core, against 1-4 ms once
     * it is tenured (docs/benchmarks.md, "Balancer latency at fixed load").
     */
    private static void tenureStartupHeap() {
        System.gc();
    }

    private HandoverConfig handoverConfig() {
        try {
            return new HandoverConfig(Optional.ofNullable(handoverSocket), Optional.ofNullable(takeover),
                    HandoverConfig.DEFAULT_TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage(), e);
        }
    }

    /** The admin server when the config asks for one; a bind failure stops the balancer and exits 2. */
    private static AdminServer startAdmin(BalancerConfig config, AdminAccessPolicy access, LoadBalancer lb,
                                          LbController controller) {
        if (config.admin().isEmpty()) {
            return null;
        }
        try {
            return LbAdmin.start(config.admin().get(), access, controller);
        } catch (IllegalStateException e) {
            lb.stop(Duration.ZERO);
            throw new UsageException(e.getMessage(), e);
        }
    }

    private static void printListening(PrintWriter out, LoadBalancer lb, BalancerConfig config,
                                       AdminServer adminServer) {
        lb.addresses().forEach((name, address) -> {
            var listener = config.listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
            out.println("nexo lb listening on " + HostAndPort.of(address) + describeRoute(listener, config));
        });
        if (adminServer != null) {
            out.println("admin API and stats page on http://" + adminServer.address() + "/");
        }
        out.flush();
    }

    /**
     * ", round-robin over a, b", ", TLS, round-robin over a, b" or
     * ", SNI x -> round-robin over a, other names closed".
     */
    private static String describeRoute(ListenerConfig listener, BalancerConfig config) {
        List<String> parts = new ArrayList<>();
        if (listener.tls().terminates()) {
            parts.add("TLS");
        }
        listener.tls().sniRoutes().forEach((name, pool) ->
                parts.add("SNI " + name + " -> " + overBackends(config.pools().get(pool))));
        boolean sni = listener.tls().routesBySni();
        if (listener.pool() == null) {
            parts.add("other names closed");
        } else {
            parts.add((sni ? "other names -> " : "") + overBackends(config.pools().get(listener.pool())));
        }
        return ", " + String.join(", ", parts);
    }

    private static String overBackends(PoolConfig pool) {
        return pool.policy() + " over "
                + String.join(", ", pool.backends().stream().map(b -> b.address().toString()).toList());
    }

    /** SIGHUP: the token file first; a bad one refuses the whole reload, as POST /api/reload does. */
    private static void reloadQuietly(AdminAccessPolicy access, LbController controller) {
        try {
            if (access != null) {
                access.reloadToken();
            }
        } catch (IllegalArgumentException e) {
            log.error("reload refused, the running configuration and token stay: {}", e.getMessage());
            return;
        }
        try {
            controller.reload();
        } catch (RuntimeException e) {
            // LbController logged why; the old configuration keeps running
        }
    }

    private BalancerConfig fromFile() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (String flag : LbFlags.names()) {
            if (parsed.hasMatchedOption(flag)) {
                throw new UsageException("--config cannot be combined with " + flag + " (the file describes "
                        + "listeners and pools; only --admin, --admin-*, --io-threads and --transport may be added)");
            }
        }
        BalancerConfig fileConfig = adminAccess.applyTo(ConfigLoader.load(configFile));
        return admin != null ? withAdmin(fileConfig) : fileConfig;
    }

    /** The flags as the one-listener, one-pool configuration they stand for. */
    BalancerConfig fromFlags() {
        BalancerConfig config = adminAccess.applyTo(flags.toConfig(Optional.empty()));
        return admin != null ? withAdmin(config) : config;
    }

    /** {@code --admin} over the config; a non-loopback address without a token is refused here. */
    private BalancerConfig withAdmin(BalancerConfig config) {
        try {
            return config.withAdmin(Optional.of(admin));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage(), e);
        }
    }
}
