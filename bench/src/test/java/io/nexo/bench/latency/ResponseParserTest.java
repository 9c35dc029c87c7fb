package io.nexo.bench.latency;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.nexo.bench.latency.ResponseParser.Result.COMPLETE;
import static io.nexo.bench.latency.ResponseParser.Result.NEED_MORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResponseParserTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-length: 23\r\n\r\nResponse from Server 1\n";

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aResponseSplitAnywhereCompletesOnItsLastByte() {
        for (int cut = 1; cut < OK.length(); cut++) {
            ResponseParser p = new ResponseParser();
            assertThat(p.feed(bytes(OK.substring(0, cut)))).as("cut at %d", cut).isEqualTo(NEED_MORE);
            ByteBuf rest = bytes(OK.substring(cut));
            assertThat(p.feed(rest)).as("cut at %d", cut).isEqualTo(COMPLETE);
            assertThat(rest.isReadable()).isFalse();
            assertThat(p.status()).isEqualTo(200);
        }
    }

    @Test
    void twoResponsesInOneReadAreTwoCompletions() {
        ResponseParser p = new ResponseParser();
        ByteBuf buf = bytes(OK + OK.replace("200 OK", "503 Busy"));
        assertThat(p.feed(buf)).isEqualTo(COMPLETE);
        assertThat(p.status()).isEqualTo(200);
        assertThat(p.feed(buf)).isEqualTo(COMPLETE);
        assertThat(p.status()).isEqualTo(503);
        assertThat(buf.isReadable()).isFalse();
    }

    @Test
    void withoutALengthTheResponseEndsWhenTheServerCloses() {
        ResponseParser p = new ResponseParser();
        assertThat(p.feed(bytes("HTTP/1.0 200 OK\r\n\r\nsome body"))).isEqualTo(NEED_MORE);
        assertThat(p.midResponse()).isTrue();
        assertThat(p.endsAtClose()).isTrue();
        assertThat(p.feed(bytes("HTTP/1.1 200 OK\r\n"))).isEqualTo(NEED_MORE);
        assertThat(p.endsAtClose()).isFalse(); // closed in the middle of a head: not an answer
    }

    @Test
    void refusesWhatIsNotAnHttpResponseOrTooLong() {
        assertThatThrownBy(() -> new ResponseParser().feed(bytes("SSH-2.0-OpenSSH\r\n\r\n")))
                .hasMessageContaining("not an HTTP/1.x response");
        assertThatThrownBy(() -> new ResponseParser().feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")))
                .hasMessageContaining("Content-Length");
        assertThatThrownBy(() -> new ResponseParser().feed(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")))
                .hasMessageContaining("chunked");
        String huge = "HTTP/1.1 200 OK\r\nX: " + "a".repeat(ResponseParser.MAX_HEADER_BYTES) + "\r\n\r\n";
        assertThatThrownBy(() -> new ResponseParser().feed(bytes(huge))).hasMessageContaining("over 8192");
    }
}
