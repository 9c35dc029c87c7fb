package io.nexo.lb.backend;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.health.HealthState;
import io.nexo.lb.policy.Endpoint;
import io.nexo.lb.policy.LoadBalancingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The backends of one balancer and the policy that chooses among them. Health results and connect
 * failures come in here; on every UP/DOWN change the pool logs it and hands the policy the new list of
 * usable backends (HAProxy's {@code set_server_status_up/down}), so picking never looks at health.
 */
public final class BackendPool {

    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

    private final List<Backend> backends;
    private final LoadBalancingPolicy policy;
    private final boolean passiveMarking;

    /**
     * @param passiveMarking whether a failed client connect takes a backend DOWN (only sensible when
     *                       active checks run, since only they bring it back)
     */
    public BackendPool(List<HostAndPort> addresses, int rise, int fall, LoadBalancingPolicy policy,
                       boolean passiveMarking) {
        List<Backend> list = new ArrayList<>(addresses.size());
        for (HostAndPort a : addresses) {
            list.add(new Backend(a, rise, fall));
        }
        this.backends = List.copyOf(list);
        this.policy = policy;
        this.passiveMarking = passiveMarking;
        publish();
    }

    /** All backends, in configuration order, whatever their state. */
    public List<Backend> all() {
        return backends;
    }

    public LoadBalancingPolicy policy() {
        return policy;
    }

    /** The backends that are UP, in configuration order. */
    public List<Backend> up() {
        List<Backend> up = new ArrayList<>(backends.size());
        for (Backend b : backends) {
            if (b.isUp()) {
                up.add(b);
            }
        }
        return up;
    }

    /** Picks the backend for a connection from {@code client}, or {@code null} when none is usable. */
    public Backend pick(InetSocketAddress client, Predicate<? super Endpoint> allowed) {
        return (Backend) policy.pick(client, allowed);
    }

    /** Records an active health check result; {@code detail} says why it failed (or null). */
    public void recordCheck(Backend backend, boolean ok, String detail) {
        HealthState.Transition t = backend.health().onCheck(ok);
        if (t == HealthState.Transition.WENT_UP) {
            onChange(backend, "UP", "passed " + backend.health().streak() + " consecutive checks");
        } else if (t == HealthState.Transition.WENT_DOWN) {
            onChange(backend, "DOWN", "failed " + backend.health().streak() + " consecutive checks, last: "
                    + detail);
        }
    }

    /** Records that a client connection could not reach {@code backend}. */
    public void recordConnectFailure(Backend backend, String detail) {
        if (passiveMarking && backend.health().onPassiveFailure() == HealthState.Transition.WENT_DOWN) {
            onChange(backend, "DOWN", "a client connection failed: " + detail);
        }
    }

    private void onChange(Backend backend, String state, String why) {
        List<Backend> up = publish();
        String msg = "backend {} is {} ({}); {} of {} backends up";
        if ("DOWN".equals(state)) {
            log.warn(msg, backend, state, why, up.size(), backends.size());
            if (up.isEmpty()) {
                log.error("no backend is up: new connections are closed at once until one comes back");
            }
        } else {
            log.info(msg, backend, state, why, up.size(), backends.size());
        }
    }

    private synchronized List<Backend> publish() {
        // synchronized so that two changes at once cannot publish in the wrong order
        List<Backend> up = up();
        policy.setEndpoints(up);
        return up;
    }
}
