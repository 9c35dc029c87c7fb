package io.nexo.core.transport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransportNamesTest {

    @Test
    void namesResolveToTheirTransport() {
        assertThat(Transport.named("nio").name()).isEqualTo("nio");
        assertThat(Transport.named("auto")).isSameAs(Transport.fastest());
        for (String name : new String[] {"epoll", "io_uring"}) {
            if (TransportHalfCloseTest.available(name)) {
                assertThat(Transport.named(name).name()).isEqualTo(name);
            }
        }
    }

    @Test
    void autoIsIoUringWhereAvailableElseTheBestOfTheRest() {
        Transport auto = Transport.named("auto");
        if (TransportHalfCloseTest.available("io_uring")) {
            assertThat(auto.name()).isEqualTo("io_uring");
        } else {
            assertThat(auto).isSameAs(Transport.best());
        }
    }

    @Test
    void anUnknownNameSaysWhichAreKnown() {
        assertThatThrownBy(() -> Transport.named("kqueue"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("transport: 'kqueue' (expected one of: auto, io_uring, epoll, nio)");
    }
}
