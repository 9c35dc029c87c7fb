package io.nexo.core.text;

/**
 * Text from the network made safe to print on a terminal or in a log: control characters (C0,
 * DEL, C1), Unicode line separators and bidirectional overrides are written as {@code \xNN} or
 * {@code \u202E} escapes, so a peer's name, message or file name cannot move the cursor, recolour
 * the console (ANSI escapes), forge extra log lines or reverse the text around it.
 */
public final class Printable {

    private Printable() {
    }

    /** {@code text} with every unsafe character escaped. */
    public static String escape(String text) {
        return escape(text, Integer.MAX_VALUE);
    }

    /** {@code text} escaped and cut after {@code maxChars} characters of input (then "..." is added). */
    public static String escape(String text, int maxChars) {
        if (text == null) {
            return "";
        }
        int n = Math.min(text.length(), maxChars);
        StringBuilder out = null;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (unsafe(c)) {
                if (out == null) {
                    out = new StringBuilder(n + 16).append(text, 0, i);
                }
                out.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        String s = out != null ? out.toString() : text.substring(0, n);
        return n < text.length() ? s + "..." : s;
    }

    /** True when {@code text} prints as itself. */
    public static boolean isSafe(String text) {
        return text.chars().noneMatch(c -> unsafe((char) c));
    }

    private static boolean unsafe(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f)
                || c == '\u2028' || c == '\u2029'                  // line and paragraph separators
                || (c >= '\u202a' && c <= '\u202e')                // bidi embeddings and overrides
                || (c >= '\u2066' && c <= '\u2069')                // bidi isolates
                || c == '\u200e' || c == '\u200f' || c == '\u061c'; // direction marks
    }
}
