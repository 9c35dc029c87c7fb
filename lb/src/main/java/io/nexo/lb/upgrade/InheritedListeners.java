package io.nexo.lb.upgrade;

import io.netty.channel.ServerChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Listening sockets taken over from the old process, not yet registered, by the address they are
 * bound to. The balancer {@link #take}s the one whose address a listener asks for instead of binding;
 * {@link #closeRest} closes this process's copy of the others (the old process keeps its own until it
 * drains).
 */
public final class InheritedListeners {

    private static final Logger log = LoggerFactory.getLogger(InheritedListeners.class);

    /** None: every listener binds its own socket. */
    public static InheritedListeners none() {
        return new InheritedListeners(Map.of());
    }

    private final Map<InetSocketAddress, ServerChannel> byAddress;

    InheritedListeners(Map<InetSocketAddress, ServerChannel> byAddress) {
        this.byAddress = new LinkedHashMap<>(byAddress);
    }

    /** The inherited socket bound to {@code address}, removed from this set; empty if there is none. */
    public synchronized Optional<ServerChannel> take(InetSocketAddress address) {
        return Optional.ofNullable(byAddress.remove(address));
    }

    /** How many are left untaken. */
    public synchronized int size() {
        return byAddress.size();
    }

    /** Closes this process's copies of the sockets no listener took. */
    public synchronized void closeRest() {
        byAddress.forEach((address, channel) -> {
            log.info("takeover: no listener here for inherited socket {}; closing this process's copy", address);
            channel.unsafe().closeForcibly();
        });
        byAddress.clear();
    }
}
