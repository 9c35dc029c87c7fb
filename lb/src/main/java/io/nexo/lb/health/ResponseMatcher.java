package io.nexo.lb.health;

import io.netty.buffer.ByteBuf;
import io.nexo.lb.config.CheckEscapes;
import io.nexo.lb.config.CheckProtocol;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges what a backend answered to a health check. It sees every byte received so far (bounded by
 * the caller) each time more arrive, and returns a verdict or {@code null} to wait for more.
 */
interface ResponseMatcher {

    /** A check's outcome; {@code reason} says why it failed. */
    record Verdict(boolean ok, String reason) {
        static final Verdict PASS = new Verdict(true, null);

        static Verdict fail(String reason) {
            return new Verdict(false, reason);
        }
    }

    /**
     * The verdict on {@code response} (read, not consumed), or {@code null} when more bytes are needed.
     *
     * @param added how many of its bytes arrived since the last call (at the end)
     */
    Verdict inspect(ByteBuf response, int added);

    /** What the check waits for, for failure reasons: {@code '+PONG'}, {@code an HTTP status line}. */
    String awaited();

    /** Passes as soon as the expected bytes appear anywhere in the answer. */
    final class Contains implements ResponseMatcher {
        private final byte[] expected;
        private final String shown;

        Contains(CheckProtocol.SendExpect check) {
            this.expected = check.expectBytes();
            this.shown = "'" + CheckEscapes.display(expected) + "'";
        }

        @Override
        public Verdict inspect(ByteBuf response, int added) {
            // only where the new bytes can complete a match: each byte is compared at most
            // expected.length times over the whole answer, however it is split into reads
            int end = response.writerIndex();
            int from = Math.max(response.readerIndex(), end - added - expected.length + 1);
            for (int i = from; i + expected.length <= end; i++) {
                int j = 0;
                while (j < expected.length && response.getByte(i + j) == expected[j]) {
                    j++;
                }
                if (j == expected.length) {
                    return Verdict.PASS;
                }
            }
            return null;
        }

        @Override
        public String awaited() {
            return shown;
        }
    }

    /** Reads the status line ({@code HTTP/1.1 200 OK}) and checks the code against the range. */
    final class HttpStatus implements ResponseMatcher {
        /** A status line longer than this is not one. */
        static final int MAX_STATUS_LINE = 1024;
        private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d\\.\\d (\\d{3})(?: .*)?");
        private static final byte[] PREFIX = "HTTP/".getBytes(StandardCharsets.US_ASCII);

        private final CheckProtocol.Http check;

        HttpStatus(CheckProtocol.Http check) {
            this.check = check;
        }

        @Override
        public Verdict inspect(ByteBuf response, int added) {
            int start = response.readerIndex();
            int prefix = Math.min(PREFIX.length, response.readableBytes());
            for (int i = 0; i < prefix; i++) {
                if (response.getByte(start + i) != PREFIX[i]) {
                    return Verdict.fail("not an HTTP response: '" + preview(response) + "'");
                }
            }
            int lineEnd = response.indexOf(start, start + Math.min(response.readableBytes(), MAX_STATUS_LINE),
                    (byte) '\n');
            if (lineEnd < 0) {
                return response.readableBytes() >= MAX_STATUS_LINE
                        ? Verdict.fail("no HTTP status line in the first " + MAX_STATUS_LINE + " bytes") : null;
            }
            String line = response.toString(start, lineEnd - start, StandardCharsets.ISO_8859_1).stripTrailing();
            Matcher m = STATUS_LINE.matcher(line);
            if (!m.matches()) {
                return Verdict.fail("not an HTTP status line: '" + preview(response) + "'");
            }
            int status = Integer.parseInt(m.group(1));
            return check.accepts(status) ? Verdict.PASS
                    : Verdict.fail("HTTP status " + status + " (expected: " + check.statusText() + ")");
        }

        @Override
        public String awaited() {
            return "an HTTP status line";
        }
    }

    /** The first bytes of {@code response}, escaped for a log line. */
    static String preview(ByteBuf response) {
        int n = Math.min(response.readableBytes(), 64);
        byte[] bytes = new byte[n];
        response.getBytes(response.readerIndex(), bytes);
        return CheckEscapes.display(bytes) + (n < response.readableBytes() ? "..." : "");
    }
}
