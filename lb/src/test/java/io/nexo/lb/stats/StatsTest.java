package io.nexo.lb.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void listenerRefusesBeyondItsLimitAndCountsBoth() {
        ListenerStats s = new ListenerStats();
        assertThat(s.tryAccept(2)).isTrue();
        assertThat(s.tryAccept(2)).isTrue();
        assertThat(s.tryAccept(2)).isFalse();
        assertThat(s.active()).isEqualTo(2);
        s.closed();
        assertThat(s.tryAccept(2)).isTrue();
        assertThat(s.accepted()).isEqualTo(3);
        assertThat(s.refused()).isEqualTo(1);
        assertThat(s.tryAccept(0)).isTrue(); // 0 = unlimited
    }

    @Test
    void backendCountsConnectionsBytesAndFailures() {
        BackendStats b = new BackendStats();
        assertThat(b.lastCheckSeconds()).isEqualTo(-1);
        b.connectionStarted();
        b.connectionEstablished();
        b.connectionStarted();
        b.connectionEstablished();
        b.connectionStarted(); // this one fails to connect
        b.connectionClosed();
        b.connectionClosed();
        b.addBytesIn(10);
        b.addBytesOut(25);
        b.connectFailed();
        b.checkSucceeded(1_500_000);
        assertThat(b.active()).isEqualTo(1);
        assertThat(b.total()).isEqualTo(2); // established only
        assertThat(b.bytesIn()).isEqualTo(10);
        assertThat(b.bytesOut()).isEqualTo(25);
        assertThat(b.connectFailures()).isEqualTo(1);
        assertThat(b.lastCheckSeconds()).isEqualTo(0.0015);
    }
}
