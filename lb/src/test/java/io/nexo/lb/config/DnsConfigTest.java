package io.nexo.lb.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DnsConfigTest {

    private static DnsConfig every(Duration interval) {
        return new DnsConfig(List.of(new DnsTarget("web.test", 80)), List.of(), interval);
    }

    @Test
    void aShortTtlBringsTheNextResolutionForwardButNotBelowOneSecond() {
        DnsConfig tenSeconds = every(Duration.ofSeconds(10));
        assertThat(tenSeconds.nextDelay(30)).isEqualTo(Duration.ofSeconds(10));
        assertThat(tenSeconds.nextDelay(4)).isEqualTo(Duration.ofSeconds(4));
        assertThat(tenSeconds.nextDelay(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(tenSeconds.nextDelay(-1)).as("no answer: the interval").isEqualTo(Duration.ofSeconds(10));
        assertThat(every(Duration.ofMillis(200)).nextDelay(0)).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void targetsParse() {
        assertThat(DnsTarget.parse("web.test:8080")).isEqualTo(new DnsTarget("web.test", 8080));
        assertThat(DnsTarget.parse("web.test.:8080")).isEqualTo(new DnsTarget("web.test", 8080));
        assertThat(DnsTarget.parse("_app._tcp.test")).matches(DnsTarget::srv);
        assertThat(DnsTarget.parse("_app._tcp.test").toString()).isEqualTo("_app._tcp.test");
        assertThatThrownBy(() -> DnsTarget.parse("web.test:0")).hasMessageStartingWith("backend-dns: 'web.test:0'");
    }

    @Test
    void aPoolWithDnsMayListNoBackendAndOnlyItMay() {
        HealthCheckConfig checks = HealthCheckConfig.DEFAULT;
        assertThat(new PoolConfig("p", "round-robin", List.of(), checks, Duration.ofSeconds(1), Duration.ZERO,
                ProxyProtocol.NONE, BackendTlsConfig.NONE, every(Duration.ofSeconds(10))).backends()).isEmpty();
        assertThatThrownBy(() -> new PoolConfig("p", "round-robin", List.of(), checks, Duration.ofSeconds(1),
                Duration.ZERO, ProxyProtocol.NONE)).hasMessage("pool p: no backends (expected: at least one)");
        assertThatThrownBy(() -> new DnsConfig(List.of(new DnsTarget("a", 1), new DnsTarget("a", 1)), List.of(),
                Duration.ofSeconds(1))).hasMessageStartingWith("backend-dns: a name appears twice");
    }
}
