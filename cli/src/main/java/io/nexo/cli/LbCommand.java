package io.nexo.cli;

import io.netty.buffer.PooledByteBufAllocator;
import io.nexo.core.net.HostAndPort;
import io.nexo.core.transport.Transport;
import io.nexo.lb.LbConfig;
import io.nexo.lb.ListenException;
import io.nexo.lb.LoadBalancer;
import io.nexo.core.admin.AdminServer;
import io.nexo.lb.admin.LbAdmin;
import io.nexo.lb.admin.LbController;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ConfigLoader;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.policy.Policies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code nexo lb}: the layer-4 TCP load balancer, in the foreground until SIGTERM or SIGINT. */
@Command(name = "lb",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "Layer-4 TCP load balancer: accepts clients on --listen and proxies each connection, "
                        + "full-duplex, to the next backend in round-robin order. A backend that refuses or "
                        + "times out is skipped (the connection is retried on the next one); active TCP health "
                        + "checks take failing backends out and bring them back.",
                "SIGTERM/SIGINT: stop accepting, let open connections finish (up to --drain-timeout), exit 0.",
                "--config FILE: several listeners and pools from a YAML file (docs/lb-config.md); SIGHUP reloads "
                        + "it without dropping or refusing a connection; an invalid file is refused and the old "
                        + "configuration keeps running.",
                "Durations: 500ms, 3s, 2m, 1h, 0.",
                ""})
final class LbCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(LbCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8000",
            description = "Address to accept clients on (default: ${DEFAULT-VALUE}; port 0 = any free port).")
    HostAndPort listen;

    @Option(names = "--backend", paramLabel = "HOST:PORT", split = ",",
            defaultValue = "127.0.0.1:8001,127.0.0.1:8002,127.0.0.1:8003",
            description = "Backend server; repeat the flag or separate with commas; order is the rotation order "
                    + "(default: ${DEFAULT-VALUE}).")
    List<HostAndPort> backends;

    @Option(names = "--policy", paramLabel = "NAME", defaultValue = LbConfig.DEFAULT_POLICY,
            completionCandidates = PolicyNames.class,
            description = "Load-balancing policy, one of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String policy;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "3s",
            description = "Time a backend may take to accept a connection before the next one is tried "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--check-interval", paramLabel = "DURATION", defaultValue = "2s",
            description = "Time between active TCP health checks of each backend; 0 disables health checks "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration checkInterval;

    @Option(names = "--rise", paramLabel = "N", defaultValue = "2",
            description = "Consecutive passed checks that bring a DOWN backend back UP (default: ${DEFAULT-VALUE}).")
    int rise;

    @Option(names = "--fall", paramLabel = "N", defaultValue = "3",
            description = "Consecutive failed checks that take an UP backend DOWN; a failed client connect "
                    + "takes it DOWN at once (default: ${DEFAULT-VALUE}).")
    int fall;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "1h",
            description = "Close a connection after this long without traffic in either direction; 0 = never "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
            description = "Client connections served at once; more are refused and logged (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "On SIGTERM/SIGINT, how long open connections may take to finish before they are "
                    + "closed (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

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
                    + "--io-threads and --transport may be combined with it.")
    Path configFile;

    @Option(names = "--check",
            description = "With --config: validate the file (syntax, values, backend names resolve), print a "
                    + "summary and exit 0, or the error with file and line and exit 2; nothing is started.")
    boolean check;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Serve the admin API, Prometheus /metrics and the stats page on this address "
                    + "(off by default; overrides the file's 'admin'). Give a loopback address unless you "
                    + "mean to expose it: it has no authentication.")
    HostAndPort admin;

    @Option(names = "--access-log",
            description = "Log one line per closed connection: listener, client, backend, bytes each way, "
                    + "duration, close reason (logger io.nexo.lb.access).")
    boolean accessLog;

    @Option(names = "--proxy-protocol", paramLabel = "none|v1|v2", defaultValue = "none",
            converter = ProxyProtocolConverter.class,
            description = "Send each backend a PROXY protocol header with the client's address first "
                    + "(default: ${DEFAULT-VALUE}).")
    ProxyProtocol proxyProtocol;

    /** Flags that describe the one pool of the flags form, so cannot be mixed with --config. */
    private static final List<String> POOL_FLAGS = List.of("--listen", "--backend", "--policy", "--connect-timeout",
            "--check-interval", "--rise", "--fall", "--idle-timeout", "--max-connections", "--drain-timeout",
            "--access-log", "--proxy-protocol");

    static final class ProxyProtocolConverter implements CommandLine.ITypeConverter<ProxyProtocol> {
        @Override
        public ProxyProtocol convert(String value) {
            return ProxyProtocol.parse(value);
        }
    }

    /** The policy names, for help. */
    static final class PolicyNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Policies.names().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (check && configFile == null) {
            throw new UsageException("--check needs --config FILE (it validates a configuration file)");
        }
        Transport socketTransport = Transport.named(transport);
        BalancerConfig config = configFile != null ? fromFile() : fromFlags();
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
            try {
                lb.start();
            } catch (ListenException e) {
                throw new UsageException(e.getMessage(), e);
            }
            LbController controller = new LbController(lb, Optional.ofNullable(configFile));
            AdminServer adminServer = startAdmin(config, lb, controller);
            ReloadSignal reload = ReloadSignal.install(() -> reloadQuietly(controller));
            try {
                printListening(out, lb, config, adminServer);
                String signal = signals.await();
                log.info("{}: stopping gracefully (drain timeout {})", signal,
                        DurationConverter.format(config.drainTimeout()));
                signals.onSecondSignal(lb::closeAllConnections);
                lb.stop(config.drainTimeout());
            } finally {
                reload.close();
                if (adminServer != null) {
                    adminServer.close();
                }
            }
        }
        return ExitCodes.OK;
    }

    /** The admin server when the config asks for one; a bind failure stops the balancer and exits 2. */
    private static AdminServer startAdmin(BalancerConfig config, LoadBalancer lb, LbController controller) {
        if (config.admin().isEmpty()) {
            return null;
        }
        try {
            return LbAdmin.start(config.admin().get(), controller);
        } catch (IllegalStateException e) {
            lb.stop(Duration.ZERO);
            throw new UsageException(e.getMessage(), e);
        }
    }

    private static void printListening(PrintWriter out, LoadBalancer lb, BalancerConfig config,
                                       AdminServer adminServer) {
        lb.addresses().forEach((name, address) -> {
            var listener = config.listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
            var pool = config.pools().get(listener.pool());
            out.println("nexo lb listening on " + HostAndPort.of(address) + ", " + pool.policy() + " over "
                    + String.join(", ", pool.backends().stream().map(b -> b.address().toString()).toList()));
        });
        if (adminServer != null) {
            out.println("admin API and stats page on http://" + adminServer.address() + "/");
        }
        out.flush();
    }

    private static void reloadQuietly(LbController controller) {
        try {
            controller.reload();
        } catch (RuntimeException e) {
            // LbController logged why; the old configuration keeps running
        }
    }

    private BalancerConfig fromFile() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (String flag : POOL_FLAGS) {
            if (parsed.hasMatchedOption(flag)) {
                throw new UsageException("--config cannot be combined with " + flag + " (the file describes "
                        + "listeners and pools; only --admin, --io-threads and --transport may be added)");
            }
        }
        BalancerConfig fileConfig = ConfigLoader.load(configFile);
        return admin != null ? fileConfig.withAdmin(Optional.of(admin)) : fileConfig;
    }

    private BalancerConfig fromFlags() {
        LbConfig flags = new LbConfig(listen, backends, policy, connectTimeout, checkInterval, rise, fall,
                idleTimeout, maxConnections, drainTimeout, ioThreads);
        BalancerConfig single = flags.toBalancerConfig();
        PoolConfig pool = single.pools().values().iterator().next().withProxyProtocol(proxyProtocol);
        return BalancerConfig.single(single.listeners().get(0), pool, Optional.ofNullable(admin), accessLog,
                drainTimeout);
    }
}
