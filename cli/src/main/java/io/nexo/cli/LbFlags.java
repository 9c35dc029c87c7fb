package io.nexo.cli;

import io.nexo.core.config.Durations;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.CheckProtocol;
import io.nexo.lb.config.DnsConfig;
import io.nexo.lb.config.DnsTarget;
import io.nexo.lb.config.HealthCheckConfig;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.config.ProxyProtocol;
import io.nexo.lb.policy.Policies;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The flags of {@code nexo lb} that describe one listener and one pool, and their translation into
 * the same records a configuration file gives ({@link BalancerConfig}): each flag is the file key of
 * the same name, with the file's default. The only defaults of their own are the seed's addresses.
 */
final class LbFlags {

    /** The seed's balancer address. */
    static final HostAndPort SEED_LISTEN = new HostAndPort("127.0.0.1", 8000);
    /** The seed's three demo backends. */
    static final List<HostAndPort> SEED_BACKENDS = List.of(
            new HostAndPort("127.0.0.1", 8001), new HostAndPort("127.0.0.1", 8002), new HostAndPort("127.0.0.1", 8003));

    /** Flag -> its default, as help prints it; taken from the records' DEFAULT_* constants. */
    private static final Map<String, String> DEFAULTS = defaults();

    /**
     * Record validation messages start with the file key ({@code "rise: 0 (expected: 1-100)"}); on the
     * command line the user should read the flag instead.
     */
    private static final Map<String, String> KEY_TO_FLAG = keyToFlag();

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Address to accept clients on, IPv6 as [::1]:8000 (default: ${DEFAULT-VALUE}; "
                    + "port 0 = any free port).")
    HostAndPort listen;

    @Option(names = "--backend", paramLabel = "HOST:PORT", split = ",",
            description = "Backend server; repeat the flag or separate with commas; order is the rotation order "
                    + "(default: ${DEFAULT-VALUE}).")
    List<HostAndPort> backends;

    @Option(names = "--backend-dns", paramLabel = "NAME:PORT|_SERVICE._PROTO.NAME",
            description = "Backends from DNS, resolved again every --dns-interval: the A and AAAA records of NAME, "
                    + "each on PORT, or the SRV records of _service._proto.NAME (port, weight; the lowest priority "
                    + "serves, higher ones are backups). Repeatable; without --backend the pool has only these.")
    List<String> backendDns;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT",
            description = "DNS server for --backend-dns, asked in order; repeatable (default: the servers of "
                    + "/etc/resolv.conf).")
    List<HostAndPort> dnsServers;

    @Option(names = "--dns-interval", paramLabel = "DURATION",
            description = "Time between two resolutions of a --backend-dns name; a shorter TTL brings it forward, "
                    + "but not below 1s (default: ${DEFAULT-VALUE}).")
    Duration dnsInterval;

    @Option(names = "--policy", paramLabel = "NAME",
            completionCandidates = PolicyNames.class,
            description = "Load-balancing policy, one of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String policy;

    @Option(names = "--connect-timeout", paramLabel = "DURATION",
            description = "Time a backend may take to accept a connection before the next one is tried "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--check-interval", paramLabel = "DURATION",
            description = "Time between active health checks of each backend (TCP: connect, then close with a "
                    + "FIN; or what --check-send/--check-expect/--check-http ask); 0 disables health checks "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration checkInterval;

    @Option(names = "--rise", paramLabel = "N",
            description = "Consecutive passed checks that bring a DOWN backend back UP (default: ${DEFAULT-VALUE}).")
    int rise;

    @Option(names = "--fall", paramLabel = "N",
            description = "Consecutive failed checks that take an UP backend DOWN; a failed client connect "
                    + "takes it DOWN at once (default: ${DEFAULT-VALUE}).")
    int fall;

    @Option(names = "--check-send", paramLabel = "TEXT",
            description = "Health checks send TEXT once connected (escapes \\r \\n \\t \\0 \\\\ \\xHH), "
                    + "e.g. 'PING\\r\\n'; needs --check-expect.")
    String checkSend;

    @Option(names = "--check-expect", paramLabel = "TEXT",
            description = "A health check passes when the backend's answer contains TEXT (same escapes), e.g. "
                    + "'+PONG'; alone, it waits for a banner such as 'SSH-'.")
    String checkExpect;

    @Option(names = "--check-http", paramLabel = "'METHOD /PATH'",
            description = "Health checks send an HTTP/1.1 request, e.g. 'GET /health', and pass on "
                    + "--check-http-status.")
    String checkHttp;

    @Option(names = "--check-http-status", paramLabel = "CODE[-CODE]",
            description = "With --check-http: the status code or range that passes (default: "
                    + CheckProtocol.Http.DEFAULT_STATUS + ").")
    String checkHttpStatus;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "Close a connection after this long without traffic in either direction; 0 = never "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Client connections served at once; more are refused and logged (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", paramLabel = "N",
            description = "Client connections at once from one IPv4 address or one IPv6 /64; more are refused, "
                    + "counted and logged; 0 = only --max-connections applies (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerIp;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
            description = "On SIGTERM/SIGINT, how long open connections may take to finish before they are "
                    + "closed (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--access-log",
            description = "Log one line per closed connection: listener, client, backend, bytes each way, "
                    + "duration, close reason (logger io.nexo.lb.access).")
    boolean accessLog;

    @Option(names = "--proxy-protocol", paramLabel = "none|v1|v2",
            converter = ProxyProtocolConverter.class,
            description = "Send each backend a PROXY protocol header with the client's address first "
                    + "(default: ${DEFAULT-VALUE}).")
    ProxyProtocol proxyProtocol;

    /** TLS termination, SNI passthrough and TLS to the backends. */
    @CommandLine.Mixin
    LbTlsFlags tls;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    /** These flags' names: none of them may be combined with {@code --config}. */
    static List<String> names() {
        List<String> names = new java.util.ArrayList<>(DEFAULTS.keySet());
        names.addAll(LbTlsFlags.DEFAULTS.keySet());
        return List.copyOf(names);
    }

    /**
     * The flags as a one-listener, one-pool configuration: the listener and the backends are named
     * after their addresses, the pool is {@link PoolConfig#FLAGS_POOL}. {@code --check-interval 0}
     * is a file's {@code interval: 0} (no active checks); the check timeout follows
     * {@link PoolConfig#defaultCheckTimeout}, as in a file that gives none.
     *
     * @throws IllegalArgumentException naming the flag whose value is invalid
     */
    BalancerConfig toConfig(Optional<HostAndPort> admin) {
        try {
            boolean checks = !checkInterval.isZero();
            Duration interval = checks ? checkInterval : HealthCheckConfig.DEFAULT.interval();
            HealthCheckConfig health = new HealthCheckConfig(checks, interval,
                    PoolConfig.defaultCheckTimeout(connectTimeout, interval), rise, fall, checkProtocol(checks));
            Map<String, PoolConfig> pools = new LinkedHashMap<>();
            // with --sni-route, the seed's backends are no fallback: only an explicit --backend is
            DnsConfig dns = new DnsConfig(backendDns == null ? List.of()
                    : backendDns.stream().map(DnsTarget::parse).toList(),
                    dnsServers == null ? List.of() : dnsServers, dnsInterval);
            if (!tls.routesBySni() || backendsGiven() || dns.enabled()) {
                // with --backend-dns, the seed's backends are not added unless --backend says so
                List<HostAndPort> listed = dns.enabled() && !backendsGiven() ? List.of() : backends;
                pools.put(PoolConfig.FLAGS_POOL, pool(PoolConfig.FLAGS_POOL, listed, health, dns));
            }
            Map<String, String> routePools = new LinkedHashMap<>();
            for (LbTlsFlags.SniRoute route : tls.routesBySni() ? tls.sniRoutes : List.<LbTlsFlags.SniRoute>of()) {
                String name = LbTlsFlags.poolName(route.name());
                if (pools.put(name, pool(name, route.backends(), health, DnsConfig.NONE)) != null) {
                    throw new IllegalArgumentException("sni-route: '" + route.name() + "' given twice");
                }
                routePools.put(route.name(), name);
            }
            ListenerConfig listener = new ListenerConfig(null, listen,
                    pools.containsKey(PoolConfig.FLAGS_POOL) ? PoolConfig.FLAGS_POOL : null, maxConnections,
                    maxConnectionsPerIp, tls.listenerTls(routePools));
            return new BalancerConfig(List.of(listener), pools, admin, accessLog, drainTimeout);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(asFlagMessage(e.getMessage()), e);
        }
    }

    /** What the {@code --check-*} flags ask a check to say; its messages name the flags. */
    private CheckProtocol checkProtocol(boolean checksEnabled) {
        CheckProtocol protocol = CheckProtocol.of(checkSend, checkExpect, checkHttp, checkHttpStatus, "--check-");
        if (protocol != CheckProtocol.TCP && !checksEnabled) {
            throw new IllegalArgumentException("--check-interval 0 turns health checks off, so "
                    + protocol.describe() + " would never run (expected: an interval, or no --check-* flag)");
        }
        return protocol;
    }

    private PoolConfig pool(String name, List<HostAndPort> addresses, HealthCheckConfig health, DnsConfig dns) {
        return new PoolConfig(name, policy, addresses.stream().map(BackendConfig::of).toList(), health,
                connectTimeout, idleTimeout, proxyProtocol, tls.backendTls(), dns);
    }

    private boolean backendsGiven() {
        return command != null && command.commandLine() != null
                && command.commandLine().getParseResult().hasMatchedOption("--backend");
    }

    /**
     * {@code "rise: 0 (...)"} -> {@code "--rise: 0 (...)"}; a name derived from a flag's value gets the
     * flag in front ({@code "--listen: listener name: ..."}); a message naming no key is kept.
     */
    static String asFlagMessage(String message) {
        for (Map.Entry<String, String> e : KEY_TO_FLAG.entrySet()) {
            if (message.startsWith(e.getKey() + ":")) {
                return e.getKey().endsWith(" name") ? e.getValue() + ": " + message
                        : e.getValue() + message.substring(e.getKey().length());
            }
        }
        return message;
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("--listen", SEED_LISTEN.toString());
        d.put("--backend", SEED_BACKENDS.stream().map(HostAndPort::toString).collect(Collectors.joining(",")));
        d.put("--backend-dns", null);
        d.put("--dns-server", null);
        d.put("--dns-interval", Durations.format(DnsConfig.DEFAULT_INTERVAL));
        d.put("--policy", PoolConfig.DEFAULT_POLICY);
        d.put("--connect-timeout", Durations.format(PoolConfig.DEFAULT_CONNECT_TIMEOUT));
        d.put("--check-interval", Durations.format(HealthCheckConfig.DEFAULT.interval()));
        d.put("--rise", String.valueOf(HealthCheckConfig.DEFAULT.rise()));
        d.put("--fall", String.valueOf(HealthCheckConfig.DEFAULT.fall()));
        d.put("--check-send", null); // no default: a TCP check unless a --check-* flag asks for more
        d.put("--check-expect", null);
        d.put("--check-http", null);
        d.put("--check-http-status", null); // with --check-http: CheckProtocol.Http.DEFAULT_STATUS
        d.put("--idle-timeout", Durations.format(PoolConfig.DEFAULT_IDLE_TIMEOUT));
        d.put("--max-connections", String.valueOf(ListenerConfig.DEFAULT_MAX_CONNECTIONS));
        d.put("--max-connections-per-ip", "0");
        d.put("--drain-timeout", Durations.format(BalancerConfig.DEFAULT_DRAIN_TIMEOUT));
        d.put("--access-log", null);
        d.put("--proxy-protocol", ProxyProtocol.NONE.configName());
        return java.util.Collections.unmodifiableMap(d);
    }

    private static Map<String, String> keyToFlag() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("interval", "--check-interval");
        m.put("rise", "--rise");
        m.put("fall", "--fall");
        m.put("policy", "--policy");
        m.put("backend-dns", "--backend-dns");
        m.put("dns-server", "--dns-server");
        m.put("dns-interval", "--dns-interval");
        m.put("connect-timeout", "--connect-timeout");
        m.put("idle-timeout", "--idle-timeout");
        m.put("max-connections", "--max-connections");
        m.put("max-connections-per-ip", "--max-connections-per-ip");
        m.put("drain-timeout", "--drain-timeout");
        m.put("listener name", "--listen");
        m.put("address", "--backend");
        m.put("backend name", "--backend");
        m.put("pool " + PoolConfig.FLAGS_POOL, "--backend");
        LbTlsFlags.keyToFlag(m);
        return Map.copyOf(m);
    }

    /** Gives picocli the defaults above, so help and parsing use the records' constants. */
    static final class Defaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            if (!(arg instanceof OptionSpec option)) {
                return null;
            }
            String name = option.longestName();
            return DEFAULTS.containsKey(name) ? DEFAULTS.get(name) : LbTlsFlags.DEFAULTS.get(name);
        }
    }

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
}
