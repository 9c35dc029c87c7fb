package io.nexo.lb.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.nexo.lb.config.CheckProtocol;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The matchers fed answers cut at every possible point, as TCP may deliver them. */
class ResponseMatcherTest {

    private static final ResponseMatcher PONG =
            new ResponseMatcher.Contains((CheckProtocol.SendExpect) CheckProtocol.of("PING\\r\\n", "+PONG", null, null));
    private static final ResponseMatcher HTTP_2XX =
            new ResponseMatcher.HttpStatus(CheckProtocol.Http.parse("GET /health", "200-299"));

    /** Feeds {@code answer} in two reads split at {@code cut}; the verdict after each, "more" for none. */
    private static String feed(ResponseMatcher matcher, String answer, int cut) {
        ByteBuf response = Unpooled.buffer();
        try {
            byte[] bytes = answer.getBytes(StandardCharsets.ISO_8859_1);
            StringBuilder verdicts = new StringBuilder();
            for (int[] part : new int[][] {{0, cut}, {cut, bytes.length}}) {
                response.writeBytes(bytes, part[0], part[1] - part[0]);
                ResponseMatcher.Verdict v = matcher.inspect(response, part[1] - part[0]);
                verdicts.append(v == null ? "more" : v.ok() ? "pass" : "fail: " + v.reason()).append(' ');
                if (v != null) {
                    break;
                }
            }
            return verdicts.toString().trim();
        } finally {
            response.release();
        }
    }

    @Test
    void containsFindsTheExpectedBytesWhereverTheAnswerIsCut() {
        String answer = "junk+PONG\r\n";
        for (int cut = 0; cut <= answer.length(); cut++) {
            String expected = cut >= "junk+PONG".length() ? "pass" : "more pass";
            assertThat(feed(PONG, answer, cut)).as("cut at %d", cut).isEqualTo(expected);
        }
    }

    @Test
    void containsWaitsWhileTheExpectedBytesAreMissing() {
        for (int cut = 0; cut <= 12; cut++) {
            assertThat(feed(PONG, "+PONx +PON G", cut)).as("cut at %d", cut).isEqualTo("more more");
        }
    }

    @Test
    void httpStatusPassesACodeInTheRangeWhereverTheAnswerIsCut() {
        String answer = "HTTP/1.1 204 No Content\r\n\r\n";
        int lineEnd = answer.indexOf('\n') + 1;
        for (int cut = 0; cut <= answer.length(); cut++) {
            assertThat(feed(HTTP_2XX, answer, cut)).as("cut at %d", cut).isEqualTo(cut >= lineEnd ? "pass" : "more pass");
        }
    }

    @Test
    void httpStatusFailsACodeOutsideTheRange() {
        assertThat(feed(HTTP_2XX, "HTTP/1.0 302 Found\r\n", 5)).isEqualTo("more fail: HTTP status 302 (expected: 200-299)");
    }

    @Test
    void httpStatusFailsAtTheFirstByteThatIsNotHttp() {
        assertThat(feed(HTTP_2XX, "+PONG\r\n", 1)).isEqualTo("fail: not an HTTP response: '+'");
        assertThat(feed(HTTP_2XX, "HTTP/1.1 OK 200\r\n", 17)).isEqualTo("fail: not an HTTP status line: 'HTTP/1.1 OK 200\\r\\n'");
    }

    @Test
    void httpStatusGivesUpOnAStatusLineThatNeverEnds() {
        String endless = "HTTP/1.1 200 " + "x".repeat(ResponseMatcher.HttpStatus.MAX_STATUS_LINE);
        assertThat(feed(HTTP_2XX, endless, 100)).isEqualTo("more fail: no HTTP status line in the first "
                + ResponseMatcher.HttpStatus.MAX_STATUS_LINE + " bytes");
    }
}
