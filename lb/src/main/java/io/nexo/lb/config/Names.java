package io.nexo.lb.config;

import java.util.regex.Pattern;

/**
 * Names of listeners, pools and backends: safe in URLs, metric labels and logs. A name derived from
 * an address is that address as printed, so {@code [::1]:8000} and {@code [fe80::1%eth0]:80} (IPv6,
 * with a zone) must pass too; in a URL path the admin API decodes them from {@code %5B%3A%3A1%5D%3A8000}.
 */
final class Names {

    /** Long enough for a DNS name (253) with its port, which is what a derived name may be. */
    static final int MAX_LENGTH = 260;

    private static final Pattern VALID =
            Pattern.compile("[A-Za-z0-9\\[][A-Za-z0-9._:%\\[\\]-]{0," + (MAX_LENGTH - 1) + "}");

    private Names() {
    }

    static void check(String what, String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException(what + ": '" + name
                    + "' (expected: 1-" + MAX_LENGTH + " letters, digits, '.', '_', ':', '%', '-', '[', ']', "
                    + "starting with a letter, a digit or '[')");
        }
    }
}
