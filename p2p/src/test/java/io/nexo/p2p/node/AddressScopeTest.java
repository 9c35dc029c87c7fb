package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AddressScopeTest {

    private static boolean may(String reachedOn, String addr) {
        return AddressScope.mayPointAt(HostAndPort.parse(reachedOn), HostAndPort.parse(addr));
    }

    @Test
    void scopes() {
        assertThat(AddressScope.of("127.0.5.1")).isEqualTo(AddressScope.LOOPBACK);
        assertThat(AddressScope.of("::1")).isEqualTo(AddressScope.LOOPBACK);
        assertThat(AddressScope.of("169.254.1.1")).isEqualTo(AddressScope.LINK_LOCAL);
        assertThat(AddressScope.of("fe80::1")).isEqualTo(AddressScope.LINK_LOCAL);
        assertThat(AddressScope.of("192.168.1.1")).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of("100.64.0.1")).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of("fd00::1")).isEqualTo(AddressScope.PRIVATE);
        assertThat(AddressScope.of("8.8.8.8")).isEqualTo(AddressScope.PUBLIC);
        assertThat(AddressScope.of("2001:db8::1")).isEqualTo(AddressScope.PUBLIC);
        assertThat(AddressScope.of("0.0.0.0")).isNull();
        assertThat(AddressScope.of("224.0.0.1")).isNull();
        assertThat(AddressScope.of("example.org")).isNull();
    }

    @Test
    void aPeerMayPointOnlyAtItsOwnScopeOrWider() {
        // met over the internet: not into this machine or its LAN
        assertThat(may("203.0.113.5:1", "127.0.0.1:22")).isFalse();
        assertThat(may("203.0.113.5:1", "192.168.1.10:80")).isFalse();
        assertThat(may("203.0.113.5:1", "198.51.100.7:5000")).isTrue();
        // met on the LAN: the LAN and the internet
        assertThat(may("192.168.1.2:1", "192.168.1.10:5000")).isTrue();
        assertThat(may("192.168.1.2:1", "[::1]:5000")).isFalse();
        // met on this machine (tests, several nodes on one host): anything dialable
        assertThat(may("127.0.0.1:1", "127.0.0.1:5000")).isTrue();
        assertThat(may("127.0.0.1:1", "0.0.0.0:5000")).isFalse();
        assertThat(may("127.0.0.1:1", "[ff02::1]:5000")).isFalse();
        // names are checked when resolved
        assertThat(may("203.0.113.5:1", "peer.example.org:5000")).isTrue();
    }
}
