package io.nexo.bench.latency;

import io.netty.buffer.ByteBuf;

/**
 * Finds the end of one HTTP/1.1 response in the bytes of a connection, which is all a load generator
 * needs: the status line's code, the {@code Content-Length} header, then that many body bytes. Headers
 * are bounded ({@link #MAX_HEADER_BYTES}); a response without a length ends when the server closes.
 * Chunked bodies are not supported (the backends of the benchmark send a length). Reusable: after a
 * complete response it starts over with the next one.
 */
final class ResponseParser {

    /** Longest status line plus headers accepted. */
    static final int MAX_HEADER_BYTES = 8192;

    /** What {@link #feed} found. */
    enum Result { NEED_MORE, COMPLETE }

    private final byte[] head = new byte[MAX_HEADER_BYTES];
    private int headLength;
    private boolean inBody;
    /** Body bytes still expected; -1 = until the server closes. */
    private long remaining;
    private int status;

    /**
     * Consumes bytes of {@code buf} up to the end of the current response (leaving any further bytes
     * unread) and says whether the response is complete.
     *
     * @throws IllegalStateException on a malformed or oversized response head
     */
    Result feed(ByteBuf buf) {
        if (!inBody) {
            while (buf.isReadable()) {
                if (headLength == MAX_HEADER_BYTES) {
                    throw new IllegalStateException("response head over " + MAX_HEADER_BYTES + " bytes");
                }
                byte b = buf.readByte();
                head[headLength++] = b;
                if (b == '\n' && headLength >= 4 && head[headLength - 2] == '\r'
                        && head[headLength - 3] == '\n' && head[headLength - 4] == '\r') {
                    parseHead();
                    inBody = true;
                    break;
                }
            }
            if (!inBody) {
                return Result.NEED_MORE;
            }
        }
        if (remaining < 0) {
            buf.skipBytes(buf.readableBytes());
            return Result.NEED_MORE;
        }
        int n = (int) Math.min(remaining, buf.readableBytes());
        buf.skipBytes(n);
        remaining -= n;
        if (remaining == 0) {
            reset();
            return Result.COMPLETE;
        }
        return Result.NEED_MORE;
    }

    /** The server closed the connection: true when that ends a response without a length. */
    boolean endsAtClose() {
        boolean complete = inBody && remaining < 0;
        reset();
        return complete;
    }

    /** Status code of the response last completed (or being read). */
    int status() {
        return status;
    }

    /** True while part of a response has arrived. */
    boolean midResponse() {
        return headLength > 0 || inBody;
    }

    private void reset() {
        headLength = 0;
        inBody = false;
    }

    /** Parses the head in place (no per-response allocation: the generator shares a CPU with the server). */
    private void parseHead() {
        if (headLength < 16 || !startsWithIgnoreCase(0, headLength, "http/1.") || head[8] != ' ') {
            throw new IllegalStateException("not an HTTP/1.x response: " + firstLine());
        }
        status = 0;
        for (int i = 9; i < 12; i++) {
            int d = head[i] - '0';
            if (d < 0 || d > 9) {
                throw new IllegalStateException("bad status line: " + firstLine());
            }
            status = status * 10 + d;
        }
        remaining = -1;
        int line = 0;
        while (line < headLength) {
            int end = line;
            while (end < headLength && head[end] != '\r') {
                end++;
            }
            if (startsWithIgnoreCase(line, end, "content-length:")) {
                remaining = parseLength(line + "content-length:".length(), end);
            } else if (startsWithIgnoreCase(line, end, "transfer-encoding:")) {
                throw new IllegalStateException("chunked responses are not supported");
            }
            line = end + 2;
        }
        if (status == 204 || status == 304 || status / 100 == 1) {
            remaining = 0;
        }
    }

    private long parseLength(int from, int end) {
        long n = 0;
        int digits = 0;
        for (int i = from; i < end; i++) {
            byte b = head[i];
            if (b == ' ' || b == '\t') {
                continue;
            }
            if (b < '0' || b > '9' || ++digits > 15) {
                throw new IllegalStateException("bad Content-Length in: " + firstLine());
            }
            n = n * 10 + (b - '0');
        }
        if (digits == 0) {
            throw new IllegalStateException("empty Content-Length");
        }
        return n;
    }

    private boolean startsWithIgnoreCase(int at, int end, String lowerPrefix) {
        if (end - at < lowerPrefix.length()) {
            return false;
        }
        for (int i = 0; i < lowerPrefix.length(); i++) {
            int b = head[at + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != Character.toLowerCase(lowerPrefix.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private String firstLine() {
        int end = 0;
        while (end < headLength && end < 80 && head[end] != '\r') {
            end++;
        }
        return new String(head, 0, end, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
