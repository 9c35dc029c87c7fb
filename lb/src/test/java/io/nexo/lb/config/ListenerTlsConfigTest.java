package io.nexo.lb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

class ListenerTlsConfigTest {

    private static final Duration FIVE = Duration.ofSeconds(5);

    @Test
    void routesAreLowerCaseDnsNamesOrOneLevelWildcards() {
        assertThat(ListenerTlsConfig.route(Map.of("A.Example.COM", "p"), FIVE).sniRoutes())
                .containsOnlyKeys("a.example.com");
        for (String bad : List.of("*", "*.com", "a.*.com", "a..com", "-a.com", "a b.com", "")) {
            assertThatThrownBy(() -> ListenerTlsConfig.route(Map.of(bad, "p"), FIVE))
                    .as(bad).hasMessageStartingWith("sni-route: '" + bad + "' (expected: a DNS name");
        }
    }

    @Test
    void terminationAndPassthroughExcludeEachOther() {
        assertThatThrownBy(() -> new ListenerTlsConfig(List.of(Path.of("c.pem")), List.of(), "TLSv1.2",
                Optional.empty(), Map.of("a.example.com", "p"), FIVE))
                .hasMessageStartingWith("sni-route: cannot be combined with tls-cert");
        assertThatThrownBy(() -> new ListenerTlsConfig(List.of(), List.of("h2"), "TLSv1.2", Optional.empty(),
                Map.of(), FIVE)).hasMessageStartingWith("tls-cert: none");
    }

    @Test
    void versionsAlpnAndTimeoutAreChecked() {
        List<Path> cert = List.of(Path.of("c.pem"));
        assertThatThrownBy(() -> ListenerTlsConfig.terminate(cert, List.of(), "TLSv1.1", Optional.empty(), FIVE))
                .hasMessage("tls-min-version: 'TLSv1.1' (expected one of: TLSv1.2, TLSv1.3)");
        assertThatThrownBy(() -> ListenerTlsConfig.terminate(cert, List.of(""), "TLSv1.3", Optional.empty(), FIVE))
                .hasMessageStartingWith("tls-alpn: ''");
        assertThatThrownBy(() -> ListenerTlsConfig.terminate(cert, List.of(), "TLSv1.3", Optional.empty(),
                Duration.ZERO)).hasMessage("sni-timeout: 0 (expected: 1ms-5m)");
    }

    @Test
    void backendTlsOptionsNeedBackendTls() {
        assertThatThrownBy(() -> new BackendTlsConfig(false, Optional.of(Path.of("ca.pem")), false))
                .hasMessageStartingWith("backend-tls: off");
        assertThatThrownBy(() -> new BackendTlsConfig(true, Optional.of(Path.of("ca.pem")), true))
                .hasMessageStartingWith("backend-insecure: cannot be combined with backend-ca");
    }
}
