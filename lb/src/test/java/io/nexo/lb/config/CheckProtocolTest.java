package io.nexo.lb.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckProtocolTest {

    @Test
    void noSettingIsTheTcpCheck() {
        assertThat(CheckProtocol.of(null, null, null, null)).isSameAs(CheckProtocol.TCP);
    }

    @Test
    void sendAndExpectDecodeTheirEscapes() {
        CheckProtocol.SendExpect check = (CheckProtocol.SendExpect) CheckProtocol.of("PING\\r\\n", "+PONG", null, null);
        assertThat(check.sendBytes()).containsExactly('P', 'I', 'N', 'G', '\r', '\n');
        assertThat(check.expectBytes()).containsExactly('+', 'P', 'O', 'N', 'G');
        assertThat(check.describe()).isEqualTo("send 'PING\\r\\n' expect '+PONG'");
    }

    @Test
    void expectAloneWaitsForABanner() {
        CheckProtocol.SendExpect check = (CheckProtocol.SendExpect) CheckProtocol.of(null, "SSH-", null, null);
        assertThat(check.sendBytes()).isEmpty();
        assertThat(check.describe()).isEqualTo("expect 'SSH-'");
    }

    @Test
    void httpTakesAMethodAndPathOrAPathAndAStatusOrRange() {
        assertThat(CheckProtocol.of(null, null, "HEAD /ready", "204"))
                .isEqualTo(new CheckProtocol.Http("HEAD", "/ready", 204, 204));
        assertThat(CheckProtocol.of(null, null, "/health", null))
                .isEqualTo(new CheckProtocol.Http("GET", "/health", 200, 399));
        assertThat(CheckProtocol.of(null, null, "GET /health", "200-299").describe())
                .isEqualTo("http GET /health status 200-299");
    }

    @Test
    void refusesCombinationsThatMeanNothing() {
        assertThatThrownBy(() -> CheckProtocol.of("PING", null, null, null))
                .hasMessage("send: 'PING' without expect (expected: also the answer that shows the backend is healthy)");
        assertThatThrownBy(() -> CheckProtocol.of(null, "+PONG", "GET /", null))
                .hasMessage("http: cannot be combined with expect (expected: either an HTTP check or a send/expect check)");
        assertThatThrownBy(() -> CheckProtocol.of(null, null, null, "200"))
                .hasMessage("http-status: '200' without http (expected: also http, e.g. GET /health)");
    }

    @Test
    void refusesBadValuesSayingWhatWasExpected() {
        assertThatThrownBy(() -> CheckProtocol.of(null, "", null, null))
                .hasMessage("expect: 0 bytes (expected: 1-1024)");
        assertThatThrownBy(() -> CheckProtocol.of("x".repeat(4097), "y", null, null))
                .hasMessage("send: 4097 bytes (expected: at most 4096)");
        assertThatThrownBy(() -> CheckProtocol.of(null, null, "get /health", null))
                .hasMessage("http: method 'get' (expected: 1-16 capital letters, e.g. GET)");
        assertThatThrownBy(() -> CheckProtocol.of(null, null, "GET /a b", null))
                .hasMessage("http: 'GET /a b' (expected: METHOD /PATH, e.g. GET /health)");
        assertThatThrownBy(() -> CheckProtocol.of(null, null, "GET health", null))
                .hasMessageStartingWith("http: path 'health' (expected: '/' then");
        assertThatThrownBy(() -> CheckProtocol.of(null, null, "GET /", "2xx"))
                .hasMessage("http-status: '2xx' (expected: a code or a range, e.g. 200 or 200-399)");
        assertThatThrownBy(() -> CheckProtocol.of(null, null, "GET /", "399-200"))
                .hasMessage("http-status: 399-200 (expected: a code or a range within 100-599, e.g. 200 or 200-399)");
    }
}
