package io.nexo.core.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostAndPortTest {

    @Test
    void parsesIpv4NameAndIpv6() {
        assertThat(HostAndPort.parse("127.0.0.1:8000")).isEqualTo(new HostAndPort("127.0.0.1", 8000));
        assertThat(HostAndPort.parse(" example.org:80 ")).isEqualTo(new HostAndPort("example.org", 80));
        assertThat(HostAndPort.parse("[::1]:5000")).isEqualTo(new HostAndPort("::1", 5000));
    }

    @Test
    void printsIpv6InBrackets() {
        assertThat(new HostAndPort("::1", 5000)).hasToString("[::1]:5000");
        assertThat(new HostAndPort("10.0.0.1", 1)).hasToString("10.0.0.1:1");
    }

    @Test
    void oneIpv6AddressIsOneValueHoweverItIsWritten() {
        HostAndPort shortest = HostAndPort.parse("[::1]:8000");
        assertThat(HostAndPort.parse("[0:0:0:0:0:0:0:1]:8000")).isEqualTo(shortest).hasToString("[::1]:8000");
        assertThat(new HostAndPort("[::1]", 8000)).isEqualTo(shortest);
        assertThat(new HostAndPort("2001:DB8:0:0:0:0:0:7", 80)).hasToString("[2001:db8::7]:80");
        assertThat(HostAndPort.parse("[::FFFF:0102:0304]:80")).hasToString("[::ffff:1.2.3.4]:80")
                .isEqualTo(HostAndPort.parse("[::ffff:1.2.3.4]:80"));
        assertThat(HostAndPort.parse("[fe80::0:1%lo]:80")).hasToString("[fe80::1%lo]:80");
        assertThat(shortest.isIpv6()).isTrue();
        assertThat(HostAndPort.parse("127.0.0.1:1").isIpv6()).isFalse();
    }

    @Test
    void aBoundIpv6SocketPrintsInItsShortestForm() throws Exception {
        InetSocketAddress bound = new InetSocketAddress(InetAddress.getByName("::1"), 8000);
        assertThat(HostAndPort.of(bound)).hasToString("[::1]:8000");
        assertThat(HostAndPort.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 80)))
                .hasToString("127.0.0.1:80");
    }

    @Test
    void parsesAHostAloneWithOrWithoutIpv6Brackets() {
        assertThat(HostAndPort.parseHost("::1")).isEqualTo("::1");
        assertThat(HostAndPort.parseHost("[::1]")).isEqualTo("::1");
        assertThat(HostAndPort.parseHost("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(HostAndPort.parseHost(" 127.0.0.1 ")).isEqualTo("127.0.0.1");
        assertThat(HostAndPort.parseHost("localhost")).isEqualTo("localhost");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "[]", "[localhost]", "::1::2", "1:2", "10.0.0.0/8", "a b"})
    void rejectsMalformedHostsWithTheInputInTheMessage(String text) {
        assertThatThrownBy(() -> HostAndPort.parseHost(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void parsesCommaSeparatedLists() {
        assertThat(HostAndPort.parseList("a:1, b:2,,c:3"))
                .containsExactly(new HostAndPort("a", 1), new HostAndPort("b", 2), new HostAndPort("c", 3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "8000", ":8000", "host:", "host:abc", "host:-1", "::1:80", "[::1]80",
            "[::1]", "host:123456", "[host]:80", "[1:2]:80", "[::1]:", "[::1]:x"})
    void rejectsMalformedAddressesWithTheInputInTheMessage(String text) {
        assertThatThrownBy(() -> HostAndPort.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void rejectsOutOfRangePort() {
        assertThatThrownBy(() -> HostAndPort.parse("h:70000"))
                .hasMessageContaining("out of range");
    }
}
