package io.nexo.core.admin;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may use an admin API (docs/admin-api.md, "Access"): the bearer token file, whether
 * {@code /metrics} needs the token too, and the extra {@code Host} names accepted besides the admin's
 * own address (DNS rebinding protection).
 *
 * @param tokenFile      file holding the bearer token that every {@code /api/} request must carry; empty = none
 * @param protectMetrics {@code /metrics} needs the token too (requires a token file)
 * @param allowedHosts   host names (no port) accepted in {@code Host} besides the admin's address and
 *                       {@code localhost}, lower case
 */
public record AdminAccessConfig(Optional<Path> tokenFile, boolean protectMetrics, List<String> allowedHosts) {

    /** No token, metrics open, only the admin's own address and localhost as Host. */
    public static final AdminAccessConfig DEFAULT = new AdminAccessConfig(Optional.empty(), false, List.of());

    /** Longest host name accepted in {@code allow-host} (DNS limit). */
    private static final int MAX_HOST_LENGTH = 253;

    public AdminAccessConfig {
        Objects.requireNonNull(tokenFile, "tokenFile");
        allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).distinct().toList();
        if (protectMetrics && tokenFile.isEmpty()) {
            throw new IllegalArgumentException("protect-metrics: true without a token-file "
                    + "(expected: a token-file, the token /metrics would need)");
        }
        for (String host : allowedHosts) {
            if (host.isEmpty() || host.length() > MAX_HOST_LENGTH || !host.matches("[a-z0-9._-]+")) {
                throw new IllegalArgumentException("allow-host: '" + host
                        + "' (expected: a host name without port, letters, digits, '.', '-', '_')");
            }
        }
    }
}
