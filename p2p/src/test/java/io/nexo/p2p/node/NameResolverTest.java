package io.nexo.p2p.node;

import io.nexo.core.net.HostAndPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class NameResolverTest {

    private final MutableClock clock = new MutableClock();
    private final AtomicInteger lookups = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final NameResolver resolver = new NameResolver(host -> {
        lookups.incrementAndGet();
        if (host.equals("hang.example")) {
            release.await();
        }
        if (host.equals("nx.example")) {
            throw new UnknownHostException(host);
        }
        return InetAddress.getByAddress(host, new byte[] {10, 0, 0, 7});
    }, Duration.ofMillis(300), clock);

    @AfterEach
    void close() {
        release.countDown();
        resolver.close();
    }

    @Test
    void literalsResolveAtOnceWithoutALookup() {
        assertThat(resolver.resolve(HostAndPort.parse("[::1]:5")).getNow(null))
                .isEqualTo(new InetSocketAddress("::1", 5));
        assertThat(resolver.resolve(HostAndPort.parse("127.0.0.9:5")).getNow(null).getAddress().getHostAddress())
                .isEqualTo("127.0.0.9");
        assertThat(lookups).hasValue(0);
    }

    @Test
    void namesAreCachedUntilTheirTimeToLive() throws Exception {
        assertThat(resolver.resolve(HostAndPort.parse("a.example:1")).get(5, TimeUnit.SECONDS).getAddress()
                .getHostAddress()).isEqualTo("10.0.0.7");
        resolver.resolve(HostAndPort.parse("A.example:2")).get(5, TimeUnit.SECONDS);
        assertThat(lookups).hasValue(1);
        clock.advance(NameResolver.POSITIVE_TTL);
        resolver.resolve(HostAndPort.parse("a.example:1")).get(5, TimeUnit.SECONDS);
        assertThat(lookups).hasValue(2);
    }

    @Test
    void aHangingNameFailsAtTheTimeoutAndIsNotAskedAgainAtOnce() {
        var hung = resolver.resolve(HostAndPort.parse("hang.example:1"));
        assertThat(hung).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .withMessageContaining("cannot resolve hang.example: no answer within 300 ms");
        // the failure is cached: a flood of dials to that name makes no new lookups for a while
        assertThat(resolver.resolve(HostAndPort.parse("hang.example:2"))).isCompletedExceptionally();
        assertThat(lookups).hasValue(1);
        // other names still resolve while that lookup's thread hangs
        assertThat(resolver.resolve(HostAndPort.parse("b.example:1"))).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void unknownNamesFailWithTheName() {
        assertThat(resolver.resolve(HostAndPort.parse("nx.example:1"))).failsWithin(Duration.ofSeconds(5))
                .withThrowableThat().withMessageContaining("nx.example");
    }
}
