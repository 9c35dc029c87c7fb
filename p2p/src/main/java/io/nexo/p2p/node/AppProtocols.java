package io.nexo.p2p.node;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The protocols built on the node's sessions, by name (thread-safe: read on I/O threads). */
final class AppProtocols {

    private final Map<String, AppProtocol> byName = new ConcurrentHashMap<>();

    void register(String name, AppProtocol protocol) {
        if (byName.putIfAbsent(name, protocol) != null) {
            throw new IllegalStateException("protocol " + name + " already registered");
        }
    }

    /** The protocol named {@code name}, or null. */
    AppProtocol get(String name) {
        return byName.get(name);
    }
}
