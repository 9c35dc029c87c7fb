package io.nexo.lb.config;

import java.util.Locale;

/** Whether and how a pool tells its backends the client's address (HAProxy's PROXY protocol). */
public enum ProxyProtocol {
    /** Plain TCP: backends see the balancer's address. */
    NONE,
    /** The human-readable header {@code PROXY TCP4 src dst sport dport\r\n}. */
    V1,
    /** The binary header with its 12-byte signature. */
    V2;

    /** Parses {@code none}, {@code v1} or {@code v2} (any case). */
    public static ProxyProtocol parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "none", "off", "false" -> NONE;
            case "v1", "1" -> V1;
            case "v2", "2" -> V2;
            default -> throw new IllegalArgumentException("proxy-protocol: '" + text
                    + "' (expected: none, v1 or v2)");
        };
    }

    /** As written in config files. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
