package io.nexo.cli;

import io.nexo.core.admin.AdminAccessConfig;
import io.nexo.lb.config.BalancerConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The admin API's access flags of {@code nexo lb}. With {@code --config} they override the file's
 * {@code admin} keys of the same name ({@code --admin-allow-host} adds to the file's list).
 */
final class AdminAccessFlags {

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "Every /api/ request must carry 'Authorization: Bearer TOKEN', TOKEN being this file's "
                    + "one line (at least 16 characters; the file must not be readable by every user). Re-read "
                    + "on SIGHUP and POST /api/reload. Required when --admin is not a loopback address.")
    Path tokenFile;

    @Option(names = "--admin-protect-metrics",
            description = "/metrics needs the token too (needs --admin-token-file).")
    boolean protectMetrics;

    @Option(names = "--admin-allow-host", paramLabel = "NAME",
            description = "Also accept this name in the Host header of admin requests (repeatable); other names "
                    + "than the --admin address and localhost get 421, against DNS rebinding.")
    List<String> allowHosts;

    /** {@code config} with these flags over its admin access settings. */
    BalancerConfig applyTo(BalancerConfig config) {
        AdminAccessConfig file = config.adminAccess();
        List<String> hosts = new ArrayList<>(file.allowedHosts());
        if (allowHosts != null) {
            hosts.addAll(allowHosts);
        }
        try {
            return config.withAdminAccess(new AdminAccessConfig(
                    tokenFile != null ? Optional.of(tokenFile) : file.tokenFile(),
                    protectMetrics || file.protectMetrics(), hosts));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--admin-" + e.getMessage(), e);
        }
    }
}
