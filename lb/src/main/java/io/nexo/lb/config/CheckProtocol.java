package io.nexo.lb.config;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a health check exchanges with a backend after connecting (HAProxy's {@code check},
 * {@code tcp-check send/expect} and {@code httpchk}). Every kind ends the connection gracefully.
 *
 * <pre>
 * tcp                            connect; passes when the backend accepts
 * send 'PING\r\n' expect '+PONG' connect, send, pass when the answer contains the expected bytes
 * http GET /health status 200    connect, send a request, pass when the status is in the range
 * </pre>
 *
 * Every validation message starts with the key it is about ({@code send}, {@code expect},
 * {@code http}, {@code http-status}), as in the config file.
 */
public sealed interface CheckProtocol {

    /** The plain TCP check, the default. */
    Tcp TCP = new Tcp();

    /** Most bytes a check may send. */
    int MAX_SEND_BYTES = 4096;
    /** Most bytes an expected answer may have (it must fit well inside what a check reads). */
    int MAX_EXPECT_BYTES = 1024;

    /** For logs and config summaries, e.g. {@code http GET /health status 200-399}. */
    String describe();

    /**
     * The check the four settings ask for, any of them null when absent: none is the TCP check;
     * {@code send} needs {@code expect}; {@code http} (with an optional {@code http-status}) excludes both.
     */
    static CheckProtocol of(String send, String expect, String http, String httpStatus) {
        return of(send, expect, http, httpStatus, "");
    }

    /**
     * As {@link #of(String, String, String, String)}, with every setting named {@code prefix + key}
     * in error messages ({@code --check-send} for the flags).
     */
    static CheckProtocol of(String send, String expect, String http, String httpStatus, String prefix) {
        try {
            if (http != null) {
                if (send != null || expect != null) {
                    throw new IllegalArgumentException("http: cannot be combined with " + prefix
                            + (send != null ? "send" : "expect")
                            + " (expected: either an HTTP check or a send/expect check)");
                }
                return Http.parse(http, httpStatus == null ? Http.DEFAULT_STATUS : httpStatus);
            }
            if (httpStatus != null) {
                throw new IllegalArgumentException("http-status: '" + httpStatus + "' without " + prefix
                        + "http (expected: also " + prefix + "http, e.g. GET /health)");
            }
            if (send != null && expect == null) {
                throw new IllegalArgumentException("send: '" + send + "' without " + prefix + "expect (expected: also "
                        + "the answer that shows the backend is healthy)");
            }
            return expect == null ? TCP : new SendExpect(send == null ? "" : send, expect);
        } catch (IllegalArgumentException e) {
            // every message starts with the key it is about
            throw prefix.isEmpty() ? e : new IllegalArgumentException(prefix + e.getMessage(), e);
        }
    }

    /** Connect, then close. */
    record Tcp() implements CheckProtocol {
        @Override
        public String describe() {
            return "tcp";
        }
    }

    /**
     * Connect, send {@code send} (may be empty: wait for a banner), pass when the bytes read contain
     * {@code expect}. Both are written with {@link CheckEscapes}.
     */
    record SendExpect(String send, String expect) implements CheckProtocol {

        public SendExpect {
            Objects.requireNonNull(send, "send");
            Objects.requireNonNull(expect, "expect");
            int sendLength = CheckEscapes.decode("send", send).length;
            if (sendLength > MAX_SEND_BYTES) {
                throw new IllegalArgumentException("send: " + sendLength + " bytes (expected: at most "
                        + MAX_SEND_BYTES + ")");
            }
            int expectLength = CheckEscapes.decode("expect", expect).length;
            if (expectLength < 1 || expectLength > MAX_EXPECT_BYTES) {
                throw new IllegalArgumentException("expect: " + expectLength + " bytes (expected: 1-"
                        + MAX_EXPECT_BYTES + ")");
            }
        }

        public byte[] sendBytes() {
            return CheckEscapes.decode("send", send);
        }

        public byte[] expectBytes() {
            return CheckEscapes.decode("expect", expect);
        }

        @Override
        public String describe() {
            return (send.isEmpty() ? "" : "send '" + send + "' ") + "expect '" + expect + "'";
        }
    }

    /**
     * An HTTP/1.1 request {@code METHOD PATH} with {@code Connection: close}; passes when the status
     * code is within {@code minStatus-maxStatus}.
     */
    record Http(String method, String path, int minStatus, int maxStatus) implements CheckProtocol {

        /** HAProxy's default verdict: 2xx and 3xx pass. */
        public static final String DEFAULT_STATUS = "200-399";
        static final int MAX_PATH = 1024;

        private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");
        private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e]*");
        private static final Pattern STATUS = Pattern.compile("(\\d{3})(?:-(\\d{3}))?");

        public Http {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            if (!METHOD.matcher(method).matches()) {
                throw new IllegalArgumentException("http: method '" + method + "' (expected: 1-16 capital letters, "
                        + "e.g. GET)");
            }
            if (path.length() > MAX_PATH || !PATH.matcher(path).matches()) {
                throw new IllegalArgumentException("http: path '" + path + "' (expected: '/' then up to "
                        + (MAX_PATH - 1) + " printable characters without spaces)");
            }
            if (minStatus < 100 || maxStatus > 599 || minStatus > maxStatus) {
                throw new IllegalArgumentException("http-status: " + minStatus + "-" + maxStatus
                        + " (expected: a code or a range within 100-599, e.g. 200 or 200-399)");
            }
        }

        /** {@code "GET /health"} or {@code "/health"} (GET), and {@code "200"} or {@code "200-399"}. */
        public static Http parse(String request, String status) {
            String[] parts = request.trim().split("\\s+");
            String method = parts.length == 2 ? parts[0] : "GET";
            String path = parts[parts.length - 1];
            if (parts.length > 2 || (parts.length == 1 && !path.startsWith("/"))) {
                throw new IllegalArgumentException("http: '" + request + "' (expected: METHOD /PATH, e.g. "
                        + "GET /health)");
            }
            Matcher m = STATUS.matcher(status.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("http-status: '" + status + "' (expected: a code or a range, "
                        + "e.g. 200 or 200-399)");
            }
            int min = Integer.parseInt(m.group(1));
            int max = m.group(2) == null ? min : Integer.parseInt(m.group(2));
            return new Http(method, path, min, max);
        }

        public boolean accepts(int status) {
            return status >= minStatus && status <= maxStatus;
        }

        /** {@code 200} or {@code 200-399}. */
        public String statusText() {
            return minStatus == maxStatus ? Integer.toString(minStatus) : minStatus + "-" + maxStatus;
        }

        @Override
        public String describe() {
            return "http " + method + " " + path + " status " + statusText();
        }
    }
}
