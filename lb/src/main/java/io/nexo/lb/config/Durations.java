package io.nexo.lb.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 500ms}, {@code 3s}, {@code 2m}, {@code 1h}, {@code 0}. */
public final class Durations {

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    /**
     * Parses {@code text}. A unit is required except for {@code 0}: HAProxy reads a bare number as
     * milliseconds and nginx as seconds, so nexo refuses to guess.
     *
     * @throws IllegalArgumentException quoting the input and the accepted forms
     */
    public static Duration parse(String key, String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches() || (m.group(2) == null && !m.group(1).equals("0"))) {
            throw new IllegalArgumentException(key + ": '" + text
                    + "' (expected: a number with a unit ms, s, m, h or d, e.g. 3s, or 0)");
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

    /** The shortest exact form, e.g. {@code 1500ms}, {@code 3s}, {@code 1h}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
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
