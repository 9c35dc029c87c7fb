package io.nexo.lb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexo.core.net.HostAndPort;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A reload between TLS configurations names what changed, also for SNI listeners without a fallback. */
class TlsConfigDiffTest {

    private static BalancerConfig config(ListenerTlsConfig tls, BackendTlsConfig backendTls) {
        PoolConfig pool = new PoolConfig("p", "round-robin",
                List.of(BackendConfig.of(new HostAndPort("127.0.0.1", 9001))),
                HealthCheckConfig.DEFAULT, Duration.ofSeconds(1), Duration.ofHours(1), ProxyProtocol.NONE, backendTls);
        ListenerConfig listener = new ListenerConfig("l", new HostAndPort("127.0.0.1", 8443),
                tls.routesBySni() ? null : "p", 10, tls);
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        pools.put("p", pool);
        return new BalancerConfig(List.of(listener), pools, Optional.empty(), false, Duration.ofSeconds(1));
    }

    @Test
    void sniRoutesAndCertificatesAndBackendTlsChangesAreNamed() {
        BalancerConfig sni = config(ListenerTlsConfig.route(Map.of("a.example.com", "p"), Duration.ofSeconds(5)),
                BackendTlsConfig.NONE);
        BalancerConfig sniSlower = config(ListenerTlsConfig.route(Map.of("a.example.com", "p"), Duration.ofSeconds(9)),
                BackendTlsConfig.NONE);
        assertThat(ConfigDiff.between(sni, sni).changes()).isEmpty();
        assertThat(ConfigDiff.between(sni, sniSlower).changes())
                .containsExactly("listener l on 127.0.0.1:8443 changed: TLS settings (new connections)");

        BalancerConfig terminating = config(ListenerTlsConfig.terminate(List.of(Path.of("a.pem")), List.of(), "TLSv1.2",
                Optional.empty(), Duration.ofSeconds(5)), new BackendTlsConfig(true, Optional.empty(), false));
        assertThat(ConfigDiff.between(sni, terminating).changes()).containsExactly(
                "listener l on 127.0.0.1:8443 changed: pool null -> p, TLS settings (new connections)",
                "pool p: backend TLS settings changed (new connections)");
    }
}
