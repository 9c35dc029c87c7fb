package io.nexo.lb.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The escape sequences of health check strings ({@code --check-send 'PING\r\n'}), as in HAProxy's
 * {@code tcp-check send}: {@code \r \n \t \0 \\} and {@code \xHH} (one byte). Other characters are
 * sent as UTF-8.
 *
 * <pre>
 * decode("PING\\r\\n")  -> 50 49 4e 47 0d 0a
 * display(bytes)        -> "PING\r\n" (printable ASCII as is, anything else escaped)
 * </pre>
 */
public final class CheckEscapes {

    private CheckEscapes() {
    }

    /**
     * The bytes {@code text} stands for.
     *
     * @throws IllegalArgumentException for an unknown or cut escape, naming {@code key}
     */
    public static byte[] decode(String key, String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '\\') {
                int end = i + 1;
                if (Character.isHighSurrogate(c) && end < text.length()) {
                    end++;
                }
                out.writeBytes(text.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
                continue;
            }
            if (i + 1 >= text.length()) {
                throw new IllegalArgumentException(key + ": '" + text + "' ends with a lone \\ (expected: an escape "
                        + "such as \\r, \\n, \\t, \\0, \\\\ or \\xHH)");
            }
            char e = text.charAt(i + 1);
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '0' -> out.write(0);
                case '\\' -> out.write('\\');
                case 'x' -> {
                    int value = i + 4 <= text.length() ? hex(text.charAt(i + 2), text.charAt(i + 3)) : -1;
                    if (value < 0) {
                        throw new IllegalArgumentException(key + ": '" + text + "': \\x needs two hex digits "
                                + "(expected: e.g. \\x0d)");
                    }
                    out.write(value);
                    i += 2;
                }
                default -> throw new IllegalArgumentException(key + ": '" + text + "': unknown escape \\" + e
                        + " (expected: \\r, \\n, \\t, \\0, \\\\ or \\xHH)");
            }
            i += 2;
        }
        return out.toByteArray();
    }

    private static int hex(char high, char low) {
        int h = Character.digit(high, 16);
        int l = Character.digit(low, 16);
        return h < 0 || l < 0 ? -1 : h << 4 | l;
    }

    /** {@code bytes} for a log line: printable ASCII as is, the rest escaped as {@link #decode} reads it. */
    public static String display(byte[] bytes, int offset, int length) {
        StringBuilder s = new StringBuilder(length + 8);
        for (int i = offset; i < offset + length; i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\r' -> s.append("\\r");
                case '\n' -> s.append("\\n");
                case '\t' -> s.append("\\t");
                case '\\' -> s.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        s.append((char) b);
                    } else {
                        s.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        return s.toString();
    }

    public static String display(byte[] bytes) {
        return display(bytes, 0, bytes.length);
    }
}
