package io.nexo.cli;

import io.nexo.lb.ListenException;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.upgrade.HandoverConfig;
import io.nexo.lb.upgrade.InheritedListeners;
import io.nexo.lb.upgrade.ListenerHandover;
import io.nexo.lb.upgrade.ListenerTakeover;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Starts {@code nexo lb} as {@link HandoverConfig} says: plain, taking the listeners of an old process
 * over ({@code --takeover}), and/or exposing them to a successor ({@code --handover-socket}).
 * A failure before this process accepts leaves the old process untouched and exits 2.
 */
final class UpgradeStart {

    private static final Logger log = LoggerFactory.getLogger(UpgradeStart.class);

    private UpgradeStart() {
    }

    /**
     * @param onDrain run when a successor has taken over from this process
     * @return the hand-over server to close at exit, or null
     */
    static ListenerHandover start(LoadBalancer lb, HandoverConfig handover, Runnable onDrain) {
        if (handover.takeOverFrom().isPresent()) {
            takeOver(lb, handover.takeOverFrom().get(), handover);
        } else {
            startPlain(lb, InheritedListeners.none());
        }
        if (handover.exposeOn().isEmpty()) {
            return null;
        }
        try {
            return ListenerHandover.start(handover.exposeOn().get(), handover.timeout(), lb::listenerChannels, onDrain);
        } catch (IOException e) {
            lb.stop(lb.balancerConfig().drainTimeout());
            throw new UsageException(e.getMessage(), e);
        }
    }

    private static void takeOver(LoadBalancer lb, Path from, HandoverConfig handover) {
        try (ListenerTakeover takeover = ListenerTakeover.from(from, handover.timeout())) {
            InheritedListeners inherited;
            try {
                inherited = takeover.fetch();
            } catch (IOException e) {
                throw new UsageException(e.getMessage(), e);
            }
            startPlain(lb, inherited);
            try {
                takeover.drainOld();
            } catch (IOException e) {
                // both processes accept on the same sockets: nothing is lost, the old one just stays
                log.warn("{}; both processes accept now, stop the old one with SIGTERM", e.getMessage());
            }
        }
    }

    private static void startPlain(LoadBalancer lb, InheritedListeners inherited) {
        try {
            lb.start(inherited);
        } catch (ListenException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }
}
