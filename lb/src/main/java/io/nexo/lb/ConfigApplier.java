package io.nexo.lb;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.lb.ListenerBinder.ListenerRuntime;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ConfigDiff;
import io.nexo.lb.config.ListenerConfig;
import io.nexo.lb.config.PoolConfig;
import io.nexo.lb.proxy.ListenerState;
import io.nexo.lb.upgrade.InheritedListeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reload path: turns a running configuration into the next one through a {@link ConfigDiff}
 * (new pools built and new listeners bound first, then the switch, then removed listeners closed),
 * and re-reads certificate files. The running state itself stays with {@link LoadBalancer}, which
 * this reads and switches through a {@link Target}.
 */
final class ConfigApplier {

    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);

    /** The running state a reload reads and switches; called under the balancer's lock. */
    interface Target {
        BalancerConfig running();

        Map<String, PoolRuntime> pools();

        Map<String, ListenerRuntime> listeners();

        /** Makes {@code pools} and {@code config} the running ones. */
        void switchPools(BalancerConfig config, Map<String, PoolRuntime> pools);

        /** Makes {@code listeners} the running ones. */
        void switchListeners(Map<String, ListenerRuntime> listeners);
    }

    private final Routes routes;
    private final ListenerBinder binder;
    private final Transport transport;
    private final ByteBufAllocator allocator;

    ConfigApplier(Routes routes, ListenerBinder binder, Transport transport, ByteBufAllocator allocator) {
        this.routes = routes;
        this.binder = binder;
        this.transport = transport;
        this.allocator = allocator;
    }

    /** A new runtime for every pool of {@code config}, by name. */
    Map<String, PoolRuntime> buildPools(BalancerConfig config) {
        Map<String, PoolRuntime> built = new LinkedHashMap<>();
        for (PoolConfig pc : config.pools().values()) {
            built.put(pc.name(), PoolRuntime.build(pc, null, transport, allocator));
        }
        return built;
    }

    /** Every listener's route by {@link ConfigDiff#key}; throws for a bad certificate file. */
    Map<String, ListenerState.Route> routes(BalancerConfig bc, Map<String, PoolRuntime> poolMap) {
        Map<String, ListenerState.Route> out = new LinkedHashMap<>();
        for (ListenerConfig lc : bc.listeners()) {
            out.put(ConfigDiff.key(lc), routes.build(lc, name -> poolMap.get(name).connector,
                    name -> poolMap.get(name).config));
        }
        return out;
    }

    /**
     * Applies {@code next} to {@code target}: everything that can fail (backend names, certificates,
     * binding new listeners) happens before anything running changes.
     *
     * @return one line per change applied
     */
    List<String> apply(BalancerConfig next, EventLoopGroup group, Target target) throws ListenException {
        BalancerConfig current = target.running();
        ConfigDiff diff = ConfigDiff.between(current, next);
        Map<String, PoolRuntime> oldPools = target.pools();
        Map<String, PoolRuntime> newPools = new LinkedHashMap<>();
        for (PoolConfig pc : next.pools().values()) {
            PoolRuntime old = oldPools.get(pc.name());
            newPools.put(pc.name(), old != null && old.config.equals(pc) ? old
                    : PoolRuntime.build(pc, old, transport, allocator));
        }
        Map<String, ListenerRuntime> oldListeners = target.listeners();
        Map<String, ListenerState.Route> newRoutes = routes(next, newPools); // certificates load here
        List<ListenerRuntime> added = new ArrayList<>();
        try {
            for (ListenerConfig lc : diff.bind()) {
                ListenerRuntime lr = new ListenerRuntime(lc, new ListenerState(newRoutes.get(ConfigDiff.key(lc))));
                binder.bind(lr, InheritedListeners.none(), group, current.accessLog());
                added.add(lr);
            }
        } catch (ListenException e) {
            binder.unbind(added);
            throw e;
        }
        commit(next, newPools, oldPools, group, target);
        Map<String, ListenerRuntime> nextListeners = new LinkedHashMap<>();
        for (ListenerConfig lc : next.listeners()) {
            String key = ConfigDiff.key(lc);
            ListenerRuntime lr = oldListeners.get(key);
            if (lr != null) {
                lr.config = lc;
                lr.state.route(newRoutes.get(key)); // the socket stays; new connections take the new route
            } else {
                lr = added.stream().filter(a -> ConfigDiff.key(a.config).equals(key)).findFirst().orElseThrow();
            }
            nextListeners.put(key, lr);
        }
        target.switchListeners(nextListeners);
        // closing the server socket leaves its accepted connections running (tracked until they end)
        binder.unbind(diff.close().stream().map(lc -> oldListeners.get(ConfigDiff.key(lc))).toList());
        for (String line : diff.changes()) {
            log.info("reload: {}", line);
        }
        log.info("reload: done, {} change{}", diff.changes().size(), diff.changes().size() == 1 ? "" : "s");
        return diff.changes();
    }

    /** Switches to the new pools: backend settings, health thresholds, checkers. Cannot fail. */
    private void commit(BalancerConfig next, Map<String, PoolRuntime> newPools, Map<String, PoolRuntime> oldPools,
                        EventLoopGroup group, Target target) {
        for (PoolRuntime p : newPools.values()) {
            // also for an unchanged pool: a reload restores the file's weights after runtime changes
            PoolRuntime old = oldPools.get(p.config.name());
            for (BackendConfig bc : p.config.backends()) {
                Backend b = p.pool.backend(bc.name());
                b.apply(bc);
                if (old != null && !old.config.healthCheck().equals(p.config.healthCheck())
                        && old.pool.all().contains(b)) {
                    // without checks nothing would ever bring a DOWN backend back: start it UP
                    b.setHealthThresholds(p.config.healthCheck().rise(), p.config.healthCheck().fall(),
                            !p.config.healthCheck().enabled() || b.isUp());
                }
            }
            p.pool.refresh();
        }
        target.switchPools(next, newPools);
        for (PoolRuntime p : newPools.values()) {
            p.startChecks(group);
        }
        for (PoolRuntime old : oldPools.values()) {
            if (newPools.get(old.config.name()) != old) {
                old.stopChecks();
            }
        }
    }

    /**
     * Re-reads the certificate files of every listener of {@code listenerRoutes} that terminates TLS,
     * for new connections; a bad file changes nothing (the exception names it).
     *
     * @return one line per listener reloaded
     */
    static List<String> reloadCertificates(List<ListenerState.Route> listenerRoutes) {
        List<String> lines = Routes.reloadCertificates(listenerRoutes);
        lines.forEach(line -> log.info("reload: {}", line));
        return lines;
    }
}
