package io.nexo.lb.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a pool's backends are spoken to over TLS, and how their certificates are checked.
 *
 * @param enabled  re-encrypt towards the backends (SNI = the backend's host name)
 * @param ca       trust these CA certificates (PEM) instead of the JVM's default trust store
 * @param insecure accept any certificate (testing only; logged loudly)
 */
public record BackendTlsConfig(boolean enabled, Optional<Path> ca, boolean insecure) {

    /** Plaintext to the backends. */
    public static final BackendTlsConfig NONE = new BackendTlsConfig(false, Optional.empty(), false);

    public BackendTlsConfig {
        Objects.requireNonNull(ca, "ca");
        if (!enabled && (ca.isPresent() || insecure)) {
            throw new IllegalArgumentException("backend-tls: off (expected: on with backend-ca or backend-insecure)");
        }
        if (ca.isPresent() && insecure) {
            throw new IllegalArgumentException("backend-insecure: cannot be combined with backend-ca "
                    + "(expected: verify with a CA, or not at all)");
        }
    }
}
