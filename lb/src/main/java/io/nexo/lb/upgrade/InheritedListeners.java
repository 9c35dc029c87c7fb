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
    private final java.util.List<InetSocketAddress> offered;

    InheritedListeners(Map<InetSocketAddress, ServerChannel> byAddress) {
        this.byAddress = new LinkedHashMap<>(byAddress);
        this.offered = java.util.List.copyOf(byAddress.keySet());
    }

    /** The addresses of every socket received, taken or not. */
    public java.util.List<InetSocketAddress> offered() {
        return offered;
    }

    /** True when sockets were received but no listener took any (e.g. the new one names other ports). */
    public synchronized boolean noneTaken() {
        return !offered.isEmpty() && byAddress.size() == offered.size();
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
            log.warn("takeover: no listener here for inherited socket {}; closing this process's copy "
                    + "(its clients are refused once the old process drains)", address);
            channel.unsafe().closeForcibly();
        });
        byAddress.clear();
    }
}
