package io.nexo.cli;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.LbConfig;
import io.nexo.lb.ListenException;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.policy.Policies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
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

    /** The policy names, for help. */
    static final class PolicyNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Policies.names().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        LbConfig config = new LbConfig(listen, backends, policy, connectTimeout, checkInterval, rise, fall,
                idleTimeout, maxConnections, drainTimeout, ioThreads);
        LoadBalancer lb = new LoadBalancer(config);
        PrintWriter out = spec.commandLine().getOut();
        try (StopSignals signals = StopSignals.install()) {
            InetSocketAddress bound;
            try {
                bound = lb.start();
            } catch (ListenException e) {
                throw new UsageException(e.getMessage(), e);
            }
            out.println("nexo lb listening on " + HostAndPort.of(bound) + ", " + config.policy() + " over "
                    + String.join(", ", config.backends().stream().map(HostAndPort::toString).toList()));
            out.flush();
            String signal = signals.await();
            log.info("{}: stopping gracefully (drain timeout {})", signal, DurationConverter.format(drainTimeout));
            signals.onSecondSignal(lb::closeAllConnections);
            lb.stop(drainTimeout);
        }
        return ExitCodes.OK;
    }
}
