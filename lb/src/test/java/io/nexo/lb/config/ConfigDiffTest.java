package io.nexo.lb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexo.core.net.HostAndPort;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {

    private static PoolConfig pool(String name, BackendConfig... backends) {
        return new PoolConfig(name, "least-connections", List.of(backends), HealthCheckConfig.DEFAULT,
                Duration.ofSeconds(3), Duration.ofHours(1), ProxyProtocol.NONE);
    }

    private static BackendConfig backend(String name, int port, int weight) {
        return new BackendConfig(name, new HostAndPort("127.0.0.1", port), weight, false, 0);
    }

    private static ListenerConfig listener(String name, int port, String pool) {
        return new ListenerConfig(name, new HostAndPort("127.0.0.1", port), pool,
                ListenerConfig.DEFAULT_MAX_CONNECTIONS);
    }

    private static BalancerConfig config(List<ListenerConfig> listeners, PoolConfig... pools) {
        Map<String, PoolConfig> map = new java.util.LinkedHashMap<>();
        for (PoolConfig p : pools) {
            map.put(p.name(), p);
        }
        return new BalancerConfig(listeners, map, Optional.empty(), false, Duration.ofSeconds(30));
    }

    @Test
    void identicalConfigsChangeNothingAndKeepEveryListener() {
        BalancerConfig a = config(List.of(listener("web", 8000, "p")), pool("p", backend("s1", 8001, 1)));
        ConfigDiff diff = ConfigDiff.between(a, a);
        assertThat(diff.isEmpty()).isTrue();
        assertThat(diff.keep()).containsExactlyElementsOf(a.listeners());
        assertThat(diff.bind()).isEmpty();
        assertThat(diff.close()).isEmpty();
    }

    @Test
    void listenersAreMatchedByAddressSoARenameKeepsTheSocket() {
        BalancerConfig a = config(List.of(listener("web", 8000, "p"), listener("old", 8100, "p")),
                pool("p", backend("s1", 8001, 1)));
        BalancerConfig b = config(List.of(listener("www", 8000, "p"), listener("new", 8200, "p")),
                pool("p", backend("s1", 8001, 1)));
        ConfigDiff diff = ConfigDiff.between(a, b);

        assertThat(diff.keep()).extracting(ListenerConfig::name).containsExactly("www");
        assertThat(diff.bind()).extracting(ListenerConfig::name).containsExactly("new");
        assertThat(diff.close()).extracting(ListenerConfig::name).containsExactly("old");
        assertThat(diff.changes()).containsExactly(
                "listener www on 127.0.0.1:8000 changed: name web -> www",
                "listener new on 127.0.0.1:8200 added (pool p)",
                "listener old on 127.0.0.1:8100 removed (open connections finish)");
    }

    @Test
    void backendChangesAreListedPerPool() {
        BalancerConfig a = config(List.of(listener("web", 8000, "p")),
                pool("p", backend("s1", 8001, 1), backend("s2", 8002, 1), backend("s3", 8003, 1)));
        BalancerConfig b = config(List.of(listener("web", 8000, "p")),
                pool("p", backend("s1", 8001, 4), backend("s3", 8033, 1), backend("s4", 8004, 1)));

        assertThat(ConfigDiff.between(a, b).changes()).containsExactly(
                "pool p: backend s1 changed: weight 4, backup false, max-connections 0",
                "pool p: backend s3 (127.0.0.1:8033) added",
                "pool p: backend s4 (127.0.0.1:8004) added",
                "pool p: backend s2 (127.0.0.1:8002) removed (open connections finish)",
                "pool p: backend s3 (127.0.0.1:8003) removed (open connections finish)");
        assertThat(ConfigDiff.sameBackend(backend("s1", 8001, 1), backend("s1", 8001, 4))).isTrue();
        assertThat(ConfigDiff.sameBackend(backend("s3", 8003, 1), backend("s3", 8033, 1))).isFalse();
    }

    @Test
    void portZeroListenersAreMatchedByName() {
        BalancerConfig a = config(List.of(listener("a", 0, "p"), listener("b", 0, "p")), pool("p", backend("s", 1, 1)));
        BalancerConfig b = config(List.of(listener("a", 0, "p"), listener("c", 0, "p")), pool("p", backend("s", 1, 1)));
        ConfigDiff diff = ConfigDiff.between(a, b);
        assertThat(diff.keep()).extracting(ListenerConfig::name).containsExactly("a");
        assertThat(diff.bind()).extracting(ListenerConfig::name).containsExactly("c");
        assertThat(diff.close()).extracting(ListenerConfig::name).containsExactly("b");
    }

    @Test
    void poolsAddedRemovedAndRestartOnlySettings() {
        BalancerConfig a = config(List.of(listener("web", 8000, "p")), pool("p", backend("s1", 8001, 1)),
                pool("gone", backend("g", 9001, 1)));
        BalancerConfig b = new BalancerConfig(List.of(listener("web", 8000, "q")),
                Map.of("p", pool("p", backend("s1", 8001, 1)), "q", pool("q", backend("s9", 8009, 1))),
                Optional.of(new HostAndPort("127.0.0.1", 9000)), false, Duration.ofSeconds(30));

        assertThat(ConfigDiff.between(a, b).changes()).contains(
                "listener web on 127.0.0.1:8000 changed: pool p -> q",
                "pool q added with 1 backend(s)",
                "pool gone removed",
                "admin, access-log and drain-timeout changes need a restart (kept as they were)");
    }
}
