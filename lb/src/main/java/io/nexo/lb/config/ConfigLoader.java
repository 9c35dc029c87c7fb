package io.nexo.lb.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nexo.core.admin.AdminAccessConfig;
import io.nexo.core.config.Durations;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.YamlNode.Mapping;
import io.nexo.lb.config.YamlNode.Scalar;
import io.nexo.lb.config.YamlNode.Sequence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads a {@code nexo lb} YAML file (format in docs/lb-config.md) into a {@link BalancerConfig}.
 * Every problem becomes a {@link ConfigException} naming the file, the line and what was expected;
 * unknown keys are errors, because a misspelt {@code wieght:} silently ignored is worse.
 */
public final class ConfigLoader {

    /** Config files are small; a bigger one is a mistake (wrong file) or an attack on the parser. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final YAMLFactory YAML = new YAMLFactory();

    private final Path file;

    private ConfigLoader(Path file) {
        this.file = file;
    }

    /** Loads and validates {@code file}. */
    public static BalancerConfig load(Path file) {
        return new ConfigLoader(file).load();
    }

    private BalancerConfig load() {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException(file, 0, "file is larger than " + MAX_FILE_BYTES
                        + " bytes (expected: a small YAML file)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, "no such file");
        } catch (IOException e) {
            throw new ConfigException(file, 0, "cannot read: " + e.getMessage(), e);
        }
        return balancer(tree(bytes));
    }

    private YamlNode tree(byte[] bytes) {
        YamlNode root;
        try (JsonParser parser = YAML.createParser(bytes)) {
            if (parser.nextToken() == null) {
                throw new ConfigException(file, 0, "empty file (expected: a map with 'listeners' and 'pools')");
            }
            root = YamlNode.read(parser);
            if (parser.nextToken() != null) {
                throw new ConfigException(file, parser.currentTokenLocation().getLineNr(),
                        "more than one YAML document (expected: one)");
            }
        } catch (YamlNode.DuplicateKeyException e) {
            throw new ConfigException(file, e.line, e.getMessage());
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ConfigException(file, line, "not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file, 0, "cannot read: " + e.getMessage(), e);
        }
        return root;
    }

    // ---- one method per record; each knows the keys it accepts ----

    private BalancerConfig balancer(YamlNode node) {
        Mapping m = mapping(node, "the top level");
        keys(m, "listeners", "pools", "admin", "access-log", "drain-timeout");
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        Mapping poolsNode = mapping(required(m, "pools"), "pools");
        for (Map.Entry<String, YamlNode> e : poolsNode.entries().entrySet()) {
            pools.put(e.getKey(), pool(e.getKey(), e.getValue(), poolsNode.keyLines().get(e.getKey())));
        }
        List<ListenerConfig> listeners = new ArrayList<>();
        for (YamlNode item : sequence(required(m, "listeners"), "listeners").items()) {
            listeners.add(listener(item));
        }
        Optional<YamlNode> adminNode = optional(m, "admin");
        // "admin: HOST:PORT" or a map with listen and the access keys
        Optional<Mapping> adminMap = adminNode.filter(n -> n instanceof Mapping).map(n -> (Mapping) n);
        Optional<HostAndPort> admin = adminMap.isPresent()
                ? Optional.of(address(required(adminMap.get(), "listen"), "listen"))
                : adminNode.map(n -> address(n, "admin"));
        AdminAccessConfig access = adminMap.map(this::adminAccess).orElse(AdminAccessConfig.DEFAULT);
        boolean accessLog = optional(m, "access-log").map(n -> bool(n, "access-log")).orElse(false);
        Duration drain = optional(m, "drain-timeout").map(n -> duration(n, "drain-timeout"))
                .orElse(BalancerConfig.DEFAULT_DRAIN_TIMEOUT);
        return build(m, () -> new BalancerConfig(listeners, pools, admin, accessLog, drain, access));
    }

    /** The access keys of the {@code admin} map; a relative token-file is relative to this file. */
    private AdminAccessConfig adminAccess(Mapping m) {
        keys(m, "listen", "token-file", "protect-metrics", "allow-host");
        Optional<Path> token = optional(m, "token-file").map(n -> resolve(text(n, "token-file")));
        boolean protect = optional(m, "protect-metrics").map(n -> bool(n, "protect-metrics")).orElse(false);
        List<String> hosts = new ArrayList<>();
        optional(m, "allow-host").ifPresent(n -> {
            if (n instanceof Sequence seq) {
                seq.items().forEach(item -> hosts.add(text(item, "allow-host")));
            } else {
                hosts.add(text(n, "allow-host"));
            }
        });
        return build(m, () -> new AdminAccessConfig(token, protect, hosts));
    }

    private Path resolve(String path) {
        Path dir = file.toAbsolutePath().getParent();
        return dir == null ? Path.of(path) : dir.resolve(path);
    }

    private ListenerConfig listener(YamlNode node) {
        Mapping m = mapping(node, "a listener");
        keys(m, "name", "listen", "pool", "max-connections", "max-connections-per-ip", "tls-cert", "tls-alpn", "tls-min-version",
                "tls-client-ca", "sni-routes", "sni-timeout");
        String name = optional(m, "name").map(n -> text(n, "name")).orElse(null);
        HostAndPort listen = address(required(m, "listen"), "listen");
        ListenerTlsConfig tls = listenerTls(m);
        // passing through by SNI, 'pool' is where unknown names go; without it they are closed
        String pool = tls.routesBySni() && optional(m, "pool").isEmpty() ? null : text(required(m, "pool"), "pool");
        int max = optional(m, "max-connections").map(n -> integer(n, "max-connections"))
                .orElse(ListenerConfig.DEFAULT_MAX_CONNECTIONS);
        int perIp = optional(m, "max-connections-per-ip").map(n -> integer(n, "max-connections-per-ip")).orElse(0);
        return build(m, () -> new ListenerConfig(name, listen, pool, max, perIp, tls));
    }

    /** A listener's TLS keys; certificate paths are relative to the file's directory. */
    private ListenerTlsConfig listenerTls(Mapping m) {
        List<Path> certs = optional(m, "tls-cert").map(n -> texts(n, "tls-cert")).orElse(List.of())
                .stream().map(this::path).toList();
        List<String> alpn = optional(m, "tls-alpn").map(n -> texts(n, "tls-alpn")).orElse(List.of());
        String min = optional(m, "tls-min-version").map(n -> text(n, "tls-min-version"))
                .orElse(ListenerTlsConfig.DEFAULT_MIN_VERSION);
        Optional<Path> clientCa = optional(m, "tls-client-ca").map(n -> path(text(n, "tls-client-ca")));
        Map<String, String> routes = new LinkedHashMap<>();
        optional(m, "sni-routes").ifPresent(n -> mapping(n, "sni-routes").entries()
                .forEach((host, pool) -> routes.put(host, text(pool, "sni-routes"))));
        Duration timeout = optional(m, "sni-timeout").map(n -> duration(n, "sni-timeout"))
                .orElse(ListenerTlsConfig.DEFAULT_SNI_TIMEOUT);
        return build(m, () -> new ListenerTlsConfig(certs, alpn, min, clientCa, routes, timeout));
    }

    private Path path(String text) {
        Path dir = file.toAbsolutePath().getParent();
        return dir == null ? Path.of(text) : dir.resolve(text);
    }

    /** A list of values, or one value (commas separate several). */
    private List<String> texts(YamlNode node, String key) {
        if (node instanceof Sequence seq) {
            return seq.items().stream().map(n -> text(n, key)).toList();
        }
        return List.of(text(node, key).split("\\s*,\\s*"));
    }

    private PoolConfig pool(String name, YamlNode node, int keyLine) {
        Mapping m = mapping(node, "pool " + name);
        keys(m, "policy", "backends", "health-check", "connect-timeout", "idle-timeout", "proxy-protocol",
                "backend-tls", "backend-ca", "backend-insecure", "backend-dns", "dns-server", "dns-interval");
        String policy = optional(m, "policy").map(n -> text(n, "policy")).orElse(PoolConfig.DEFAULT_POLICY);
        DnsConfig dns = dns(m);
        List<BackendConfig> backends = new ArrayList<>();
        // with backend-dns the listed backends are optional: DNS may give them all
        YamlNode listed = dns.enabled() ? optional(m, "backends").orElse(null) : required(m, "backends");
        for (YamlNode item : listed == null ? List.<YamlNode>of() : sequence(listed, "backends").items()) {
            backends.add(backend(item));
        }
        Duration connect = optional(m, "connect-timeout").map(n -> duration(n, "connect-timeout"))
                .orElse(PoolConfig.DEFAULT_CONNECT_TIMEOUT);
        // no health-check map: every key at its default (the timeout still follows connect-timeout)
        HealthCheckConfig health = healthCheck(optional(m, "health-check")
                .orElse(new Mapping(Map.of(), Map.of(), keyLine)), connect);
        Duration idle = optional(m, "idle-timeout").map(n -> duration(n, "idle-timeout"))
                .orElse(PoolConfig.DEFAULT_IDLE_TIMEOUT);
        ProxyProtocol proxy = optional(m, "proxy-protocol")
                .map(n -> convert(n, "proxy-protocol", () -> ProxyProtocol.parse(text(n, "proxy-protocol"))))
                .orElse(ProxyProtocol.NONE);
        boolean tls = optional(m, "backend-tls").map(n -> bool(n, "backend-tls")).orElse(false);
        Optional<Path> ca = optional(m, "backend-ca").map(n -> path(text(n, "backend-ca")));
        boolean insecure = optional(m, "backend-insecure").map(n -> bool(n, "backend-insecure")).orElse(false);
        BackendTlsConfig backendTls = build(m, () -> new BackendTlsConfig(tls, ca, insecure));
        return build(keyLine, () -> new PoolConfig(name, policy, backends, health, connect, idle, proxy, backendTls,
                dns));
    }

    /** {@code backend-dns}, {@code dns-server} (each a string or a list) and {@code dns-interval}. */
    private DnsConfig dns(Mapping m) {
        List<DnsTarget> targets = new ArrayList<>();
        for (YamlNode n : items(m, "backend-dns")) {
            targets.add(convert(n, "backend-dns", () -> DnsTarget.parse(text(n, "backend-dns"))));
        }
        List<HostAndPort> servers = new ArrayList<>();
        for (YamlNode n : items(m, "dns-server")) {
            servers.add(address(n, "dns-server"));
        }
        Duration interval = optional(m, "dns-interval").map(n -> duration(n, "dns-interval"))
                .orElse(DnsConfig.DEFAULT_INTERVAL);
        return build(m, () -> new DnsConfig(targets, servers, interval));
    }

    /** A key whose value is one scalar or a list of them. */
    private List<YamlNode> items(Mapping m, String key) {
        return optional(m, key).map(n -> n instanceof Scalar ? List.of(n) : sequence(n, key).items()).orElse(List.of());
    }

    private BackendConfig backend(YamlNode node) {
        if (node instanceof Scalar) {
            // shorthand: "- 127.0.0.1:8001"
            return build(node.line(), () -> BackendConfig.of(address(node, "backend")));
        }
        Mapping m = mapping(node, "a backend (a map or HOST:PORT)");
        keys(m, "name", "address", "weight", "backup", "max-connections");
        String name = optional(m, "name").map(n -> text(n, "name")).orElse(null);
        HostAndPort address = address(required(m, "address"), "address");
        int weight = optional(m, "weight").map(n -> integer(n, "weight")).orElse(BackendConfig.DEFAULT_WEIGHT);
        boolean backup = optional(m, "backup").map(n -> bool(n, "backup")).orElse(false);
        int max = optional(m, "max-connections").map(n -> integer(n, "max-connections")).orElse(0);
        return build(m, () -> new BackendConfig(name, address, weight, backup, max));
    }

    /**
     * The pool's check. As with the {@code --check-interval} flag, an interval of 0 turns active
     * checks off; a timeout not given is {@link PoolConfig#defaultCheckTimeout}.
     */
    private HealthCheckConfig healthCheck(YamlNode node, Duration connectTimeout) {
        Mapping m = mapping(node, "health-check");
        keys(m, "enabled", "interval", "timeout", "rise", "fall", "send", "expect", "http", "http-status");
        HealthCheckConfig d = HealthCheckConfig.DEFAULT;
        boolean enabled = optional(m, "enabled").map(n -> bool(n, "enabled")).orElse(d.enabled());
        Duration given = optional(m, "interval").map(n -> duration(n, "interval")).orElse(d.interval());
        boolean on = enabled && !given.isZero();
        Duration interval = given.isZero() ? d.interval() : given;
        Duration timeout = optional(m, "timeout").map(n -> duration(n, "timeout"))
                .orElse(PoolConfig.defaultCheckTimeout(connectTimeout, interval));
        int rise = optional(m, "rise").map(n -> integer(n, "rise")).orElse(d.rise());
        int fall = optional(m, "fall").map(n -> integer(n, "fall")).orElse(d.fall());
        String send = optional(m, "send").map(n -> text(n, "send")).orElse(null);
        String expect = optional(m, "expect").map(n -> text(n, "expect")).orElse(null);
        String http = optional(m, "http").map(n -> text(n, "http")).orElse(null);
        String status = optional(m, "http-status").map(n -> text(n, "http-status")).orElse(null);
        return build(m, () -> new HealthCheckConfig(on, interval, timeout, rise, fall,
                CheckProtocol.of(send, expect, http, status)));
    }

    // ---- typed access with line-precise errors ----

    private Mapping mapping(YamlNode node, String what) {
        if (node instanceof Mapping m) {
            return m;
        }
        throw new ConfigException(file, node.line(), what + ": found " + node.kind() + " (expected: a map)");
    }

    private Sequence sequence(YamlNode node, String what) {
        if (node instanceof Sequence s) {
            return s;
        }
        throw new ConfigException(file, node.line(), what + ": found " + node.kind() + " (expected: a list)");
    }

    private String text(YamlNode node, String key) {
        if (node instanceof Scalar s && !s.isNull()) {
            return s.text();
        }
        throw new ConfigException(file, node.line(), key + ": found " + node.kind() + " (expected: a value)");
    }

    private int integer(YamlNode node, String key) {
        String t = text(node, key);
        try {
            return Integer.parseInt(t.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(file, node.line(), key + ": '" + t + "' (expected: a whole number)");
        }
    }

    private boolean bool(YamlNode node, String key) {
        String t = text(node, key).trim();
        return switch (t) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(file, node.line(), key + ": '" + t + "' (expected: true or false)");
        };
    }

    private Duration duration(YamlNode node, String key) {
        return convert(node, key, () -> Durations.parse(key, text(node, key)));
    }

    private HostAndPort address(YamlNode node, String key) {
        return convert(node, key, () -> HostAndPort.parse(text(node, key)));
    }

    /** Runs a conversion that reports bad input with IllegalArgumentException, adding the line. */
    private <T> T convert(YamlNode node, String key, Supplier<T> conversion) {
        try {
            return conversion.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new ConfigException(file, node.line(), message.startsWith(key) ? message : key + ": " + message);
        }
    }

    /**
     * Builds a record from map {@code m}. Its constructor's validation message ("weight: 0
     * (expected: 1-256)") gets the line of the key it starts with, else the line of the map.
     */
    private <T> T build(Mapping m, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            int line = m.line();
            for (Map.Entry<String, Integer> key : m.keyLines().entrySet()) {
                if (e.getMessage().startsWith(key.getKey() + ":")) {
                    line = key.getValue();
                }
            }
            throw new ConfigException(file, line, e.getMessage());
        }
    }

    private <T> T build(int line, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, line, e.getMessage());
        }
    }

    private YamlNode required(Mapping m, String key) {
        YamlNode node = m.entries().get(key);
        if (node == null) {
            throw new ConfigException(file, m.line(), "missing key '" + key + "'");
        }
        return node;
    }

    private static Optional<YamlNode> optional(Mapping m, String key) {
        YamlNode node = m.entries().get(key);
        return node instanceof Scalar s && s.isNull() ? Optional.empty() : Optional.ofNullable(node);
    }

    private void keys(Mapping m, String... allowed) {
        Set<String> known = Set.of(allowed);
        for (Map.Entry<String, Integer> e : m.keyLines().entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new ConfigException(file, e.getValue(), "unknown key '" + e.getKey() + "' (expected one of: "
                        + String.join(", ", allowed) + ")");
            }
        }
    }
}
