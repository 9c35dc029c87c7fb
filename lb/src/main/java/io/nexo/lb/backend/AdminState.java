package io.nexo.lb.backend;

import java.util.Locale;

/**
 * What an operator set on a backend, independent of its health: HAProxy's "ready", "drain" and
 * "maint". Neither drain nor disable cuts existing connections; they differ in that a drained
 * backend is still health-checked, so it can be enabled straight back into rotation.
 */
public enum AdminState {
    /** Takes new connections when healthy. */
    ENABLED,
    /** No new connections; existing ones finish; health checks go on. */
    DRAIN,
    /** Maintenance: no new connections, health checks paused; existing ones finish. */
    DISABLED;

    /** From the admin API's action word: {@code enable}, {@code drain}, {@code disable}. */
    public static AdminState fromAction(String action) {
        return switch (action) {
            case "enable" -> ENABLED;
            case "drain" -> DRAIN;
            case "disable" -> DISABLED;
            default -> throw new IllegalArgumentException("action: '" + action
                    + "' (expected: enable, drain, disable or weight)");
        };
    }

    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
