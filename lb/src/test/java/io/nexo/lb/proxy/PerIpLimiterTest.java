package io.nexo.lb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class PerIpLimiterTest {

    private final PerIpLimiter limiter = new PerIpLimiter();

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void oneIpv4AddressIsLimitedAndAnotherIsNot() throws Exception {
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), 2)).isTrue();
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), 2)).isTrue();
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), 2)).isFalse();
        assertThat(limiter.tryAcquire(ip("192.0.2.2"), 2)).isTrue();
        assertThat(limiter.open(ip("192.0.2.1"))).isEqualTo(2);

        limiter.release(ip("192.0.2.1"));
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), 2)).isTrue();
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), 2)).isFalse();
    }

    @Test
    void anIpv6Slash64CountsAsOneClient() throws Exception {
        assertThat(limiter.tryAcquire(ip("2001:db8:1:2::1"), 2)).isTrue();
        assertThat(limiter.tryAcquire(ip("2001:db8:1:2:ffff::9"), 2)).isTrue();
        // a fresh address in the same /64 does not get a fresh allowance
        assertThat(limiter.tryAcquire(ip("2001:db8:1:2:abcd:1:2:3"), 2)).isFalse();
        // the next /64 is another client
        assertThat(limiter.tryAcquire(ip("2001:db8:1:3::1"), 2)).isTrue();
        assertThat(limiter.clients()).isEqualTo(2);
    }

    @Test
    void ipv4MappedCountsAsItsIpv4AddressAndNeverCollidesWithIpv6() throws Exception {
        assertThat(limiter.tryAcquire(ip("::ffff:192.0.2.7"), 1)).isTrue();
        assertThat(limiter.tryAcquire(ip("192.0.2.7"), 1)).isFalse();
        // an IPv6 /64 whose first 32 bits equal that IPv4 address is still someone else
        assertThat(limiter.tryAcquire(ip("c000:207::1"), 1)).isTrue();
    }

    @Test
    void zeroMeansNoLimitButConnectionsAreStillCountedForALaterLimit() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire(ip("192.0.2.1"), 0)).isTrue();
        }
        // a reload sets the limit to 3: the 5 already open count
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), 3)).isFalse();
        assertThat(limiter.open(ip("192.0.2.1"))).isEqualTo(5);
    }

    @Test
    void aClientWithNothingOpenLeavesNoEntry() throws Exception {
        limiter.tryAcquire(ip("192.0.2.1"), 1);
        limiter.tryAcquire(ip("192.0.2.1"), 1); // refused: not counted
        limiter.release(ip("192.0.2.1"));
        assertThat(limiter.clients()).isZero();
        limiter.release(ip("192.0.2.1")); // a stray release does not go negative
        assertThat(limiter.open(ip("192.0.2.1"))).isZero();
        assertThat(limiter.clients()).isZero();
    }
}
