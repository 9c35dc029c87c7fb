package io.nexo.core.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every nexo command and configuration file: {@code 500ms}, {@code 3s},
 * {@code 2m}, {@code 1h}, {@code 7d}, or {@code 0}.
 */
public final class Durations {

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)?");
    private static final String EXPECTED = "(expected: a number with a unit ms, s, m, h or d, e.g. 3s, or 0)";

    private Durations() {
    }

    /**
     * Parses {@code text} for the setting {@code key}. A unit is required except for {@code 0}:
     * HAProxy reads a bare number as milliseconds and nginx as seconds, so nexo refuses to guess.
     *
     * @throws IllegalArgumentException {@code "KEY: 'TEXT' (expected: ...)"}
     */
    public static Duration parse(String key, String text) {
        Duration d = parseOrNull(text);
        if (d == null) {
            throw new IllegalArgumentException(key + ": '" + text + "' " + EXPECTED);
        }
        return d;
    }

    /**
     * Parses {@code text} where the caller names the setting itself (a command-line converter).
     *
     * @throws IllegalArgumentException {@code "invalid duration 'TEXT' (expected: ...)"}, with a
     *                                  hint when only the unit is missing
     */
    public static Duration parse(String text) {
        Duration d = parseOrNull(text);
        if (d == null) {
            String t = text.trim();
            String hint = t.matches("\\d{1,9}") ? " (no unit: " + t + "s? " + t + "ms?)" : "";
            throw new IllegalArgumentException("invalid duration '" + text + "'" + hint + " " + EXPECTED);
        }
        return d;
    }

    private static Duration parseOrNull(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches() || (m.group(2) == null && !m.group(1).equals("0"))) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** The shortest exact form in the same syntax, e.g. {@code 1500ms}, {@code 3s}, {@code 1h}, {@code 2d}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
