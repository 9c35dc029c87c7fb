package io.nexo.lb.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a reload changes, computed before anything is touched. Listeners are matched by listen
 * address (see {@link #key}), because the socket is what must survive: a listener whose address stays keeps its
 * channel even if its name, pool or limit change. Backends are matched by pool and name with the
 * same address; they keep their counters and their open connections.
 *
 * @param bind      listeners whose address is new: bound first
 * @param keep      listeners whose address stays, with their new settings
 * @param close     listeners whose address is gone: closed after the binds succeeded
 * @param changes   one human-readable line per change, for the reload log and API
 */
public record ConfigDiff(List<ListenerConfig> bind, List<ListenerConfig> keep, List<ListenerConfig> close,
                         List<String> changes) {

    public ConfigDiff {
        bind = List.copyOf(bind);
        keep = List.copyOf(keep);
        close = List.copyOf(close);
        changes = List.copyOf(changes);
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    public static ConfigDiff between(BalancerConfig old, BalancerConfig next) {
        List<String> changes = new ArrayList<>();
        Map<String, ListenerConfig> oldByAddress = byAddress(old.listeners());
        Map<String, ListenerConfig> nextByAddress = byAddress(next.listeners());
        List<ListenerConfig> bind = new ArrayList<>();
        List<ListenerConfig> keep = new ArrayList<>();
        List<ListenerConfig> close = new ArrayList<>();
        for (ListenerConfig l : next.listeners()) {
            ListenerConfig before = oldByAddress.get(key(l));
            if (before == null) {
                bind.add(l);
                changes.add("listener " + l.name() + " on " + l.listen() + " added (pool " + l.pool() + ")");
            } else {
                keep.add(l);
                if (!before.equals(l)) {
                    changes.add("listener " + l.name() + " on " + l.listen() + " changed: " + describe(before, l));
                }
            }
        }
        for (ListenerConfig l : old.listeners()) {
            if (!nextByAddress.containsKey(key(l))) {
                close.add(l);
                changes.add("listener " + l.name() + " on " + l.listen() + " removed (open connections finish)");
            }
        }
        for (PoolConfig p : next.pools().values()) {
            PoolConfig before = old.pools().get(p.name());
            if (before == null) {
                changes.add("pool " + p.name() + " added with " + p.backends().size() + " backend(s)");
            } else if (!before.equals(p)) {
                poolChanges(before, p, changes);
            }
        }
        for (String name : old.pools().keySet()) {
            if (!next.pools().containsKey(name)) {
                changes.add("pool " + name + " removed");
            }
        }
        if (!old.admin().equals(next.admin()) || old.accessLog() != next.accessLog()
                || !old.drainTimeout().equals(next.drainTimeout())) {
            changes.add("admin, access-log and drain-timeout changes need a restart (kept as they were)");
        }
        return new ConfigDiff(bind, keep, close, changes);
    }

    private static void poolChanges(PoolConfig before, PoolConfig p, List<String> changes) {
        String prefix = "pool " + p.name() + ": ";
        if (!before.policy().equals(p.policy())) {
            changes.add(prefix + "policy " + before.policy() + " -> " + p.policy());
        }
        if (!before.healthCheck().equals(p.healthCheck())) {
            changes.add(prefix + "health check settings changed (check: "
                    + p.healthCheck().protocol().describe() + ")");
        }
        if (!before.connectTimeout().equals(p.connectTimeout()) || !before.idleTimeout().equals(p.idleTimeout())) {
            changes.add(prefix + "timeouts changed (new connections)");
        }
        if (!before.dns().equals(p.dns())) {
            changes.add(prefix + "backend-dns settings changed: " + p.dns().targets() + " (resolved again)");
        }
        if (before.proxyProtocol() != p.proxyProtocol()) {
            changes.add(prefix + "proxy-protocol " + before.proxyProtocol().configName() + " -> "
                    + p.proxyProtocol().configName() + " (new connections)");
        }
        if (!before.backendTls().equals(p.backendTls())) {
            changes.add(prefix + "backend TLS settings changed (new connections)");
        }
        for (BackendConfig b : p.backends()) {
            BackendConfig was = before.backend(b.name());
            if (was == null || !was.address().equals(b.address())) {
                changes.add(prefix + "backend " + b.name() + " (" + b.address() + ") added");
            } else if (!was.equals(b)) {
                changes.add(prefix + "backend " + b.name() + " changed: weight " + b.weight() + ", backup "
                        + b.backup() + ", max-connections " + b.maxConnections());
            }
        }
        for (BackendConfig was : before.backends()) {
            BackendConfig b = p.backend(was.name());
            if (b == null || !was.address().equals(b.address())) {
                changes.add(prefix + "backend " + was.name() + " (" + was.address()
                        + ") removed (open connections finish)");
            }
        }
    }

    /** Whether {@code next} can keep {@code old}'s runtime state (counters, open connections). */
    public static boolean sameBackend(BackendConfig old, BackendConfig next) {
        return old.name().equals(next.name()) && old.address().equals(next.address());
    }

    private static String describe(ListenerConfig before, ListenerConfig l) {
        List<String> parts = new ArrayList<>();
        if (!Objects.equals(before.name(), l.name())) {
            parts.add("name " + before.name() + " -> " + l.name());
        }
        if (!Objects.equals(before.pool(), l.pool())) { // null: SNI routes without a fallback pool
            parts.add("pool " + before.pool() + " -> " + l.pool());
        }
        if (before.maxConnections() != l.maxConnections()) {
            parts.add("max-connections " + before.maxConnections() + " -> " + l.maxConnections());
        }
        if (before.maxConnectionsPerIp() != l.maxConnectionsPerIp()) {
            parts.add("max-connections-per-ip " + before.maxConnectionsPerIp() + " -> " + l.maxConnectionsPerIp());
        }
        if (!before.tls().equals(l.tls())) {
            parts.add("TLS settings (new connections)");
        }
        return String.join(", ", parts);
    }

    /**
     * Identity of a listener across reloads: its address; for port 0 ("any free port", used in
     * tests) the address says nothing, so its name.
     */
    public static String key(ListenerConfig l) {
        return l.listen().port() == 0 ? "name:" + l.name() : l.listen().toString();
    }

    private static Map<String, ListenerConfig> byAddress(List<ListenerConfig> listeners) {
        Map<String, ListenerConfig> map = new LinkedHashMap<>();
        for (ListenerConfig l : listeners) {
            map.put(key(l), l);
        }
        return map;
    }
}
