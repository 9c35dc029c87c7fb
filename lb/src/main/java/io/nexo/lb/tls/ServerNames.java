package io.nexo.lb.tls;

/**
 * Matching a client's server name against a certificate name or an SNI route, as browsers match
 * certificate names (RFC 6125 section 6.4.3): {@code *.example.com} matches {@code a.example.com}
 * but neither {@code example.com} nor {@code a.b.example.com}. Both sides are lower case.
 */
public final class ServerNames {

    private ServerNames() {
    }

    public static boolean matches(String pattern, String host) {
        if (host == null || host.indexOf('*') >= 0) {
            return false; // a client's name is never a pattern
        }
        if (!pattern.startsWith("*.")) {
            return pattern.equals(host);
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot + 1).equals(pattern.substring(2));
    }

    /** The first wildcard pattern among {@code patterns} that matches {@code host}, or {@code null}. */
    static String wildcardFor(Iterable<String> patterns, String host) {
        for (String p : patterns) {
            if (p.startsWith("*.") && matches(p, host)) {
                return p;
            }
        }
        return null;
    }
}
