package io.nexo.lb.backend;

import io.nexo.lb.health.HealthState;
import io.nexo.lb.policy.Endpoint;
import io.nexo.lb.policy.LoadBalancingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Predicate;

/**
 * The backends of one pool and the policy that chooses among them. Health results, connect
 * failures, operator actions (drain, disable, enable, weight) come in here; on every change the pool
 * hands the policy the new list of usable backends (HAProxy's {@code set_server_status_up/down}), so
 * picking never looks at health:
 *
 * <pre>
 * usable = up and enabled; the policy gets the usable primaries, or, when there is none, the usable
 * backups (a backup never shares traffic with a live primary).
 * </pre>
 *
 * A backend at its {@code max-connections} stays in the policy's list and is skipped at pick time,
 * because fullness changes with every connection.
 */
public final class BackendPool {

    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

    private final String name;
    private final List<Backend> backends;
    private final LoadBalancingPolicy policy;
    private final boolean passiveMarking;
    private final boolean anyLimit;
    private boolean onBackups;

    /**
     * @param passiveMarking whether a failed client connect takes a backend DOWN (only sensible when
     *                       active checks run, since only they bring it back)
     */
    public BackendPool(String name, List<Backend> backends, LoadBalancingPolicy policy, boolean passiveMarking) {
        this.name = name;
        this.backends = List.copyOf(backends);
        this.policy = policy;
        this.passiveMarking = passiveMarking;
        this.anyLimit = backends.stream().anyMatch(b -> b.maxConnections() > 0);
        publish();
    }

    public String name() {
        return name;
    }

    /** All backends, in configuration order, whatever their state. */
    public List<Backend> all() {
        return backends;
    }

    public LoadBalancingPolicy policy() {
        return policy;
    }

    /** The backend called {@code backendName}. */
    public Backend backend(String backendName) {
        for (Backend b : backends) {
            if (b.name().equals(backendName)) {
                return b;
            }
        }
        throw new NoSuchElementException("pool " + name + " has no backend '" + backendName + "'");
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
        if (!anyLimit) {
            return (Backend) policy.pick(client, allowed);
        }
        return (Backend) policy.pick(client, e -> ((Backend) e).hasCapacity() && allowed.test(e));
    }

    /**
     * Picks the backend for the retry of a connection that could not reach {@code failed}: a policy with
     * a rotation continues after {@code failed} (see {@link LoadBalancingPolicy#pickAfterFailure}).
     */
    public Backend pickAfterFailure(InetSocketAddress client, Backend failed, Predicate<? super Endpoint> allowed) {
        if (!anyLimit) {
            return (Backend) policy.pickAfterFailure(client, failed, all(), allowed);
        }
        return (Backend) policy.pickAfterFailure(client, failed, all(),
                e -> ((Backend) e).hasCapacity() && allowed.test(e));
    }

    /** Records an active health check result; {@code detail} says why it failed (or null). */
    public void recordCheck(Backend backend, boolean ok, String detail) {
        boolean joining = backend.isJoining();
        HealthState.Transition t = backend.health().onCheck(ok);
        if (t == HealthState.Transition.WENT_UP) {
            onChange(backend, "UP", joining ? "new, passed its first check: joins"
                    : "passed " + backend.health().streak() + " consecutive checks");
        } else if (joining) {
            log.warn("pool {}: new backend {} failed its first check ({}): it takes no client until it passes "
                    + "{} in a row", name, backend, detail, backend.health().rise());
        } else if (t == HealthState.Transition.WENT_DOWN) {
            onChange(backend, "DOWN", "failed " + backend.health().streak() + " consecutive checks, last: "
                    + detail);
        }
    }

    /** Records that a client connection could not reach {@code backend}. */
    public void recordConnectFailure(Backend backend, String detail) {
        backend.stats().connectFailed();
        if (passiveMarking && backend.health().onPassiveFailure() == HealthState.Transition.WENT_DOWN) {
            onChange(backend, "DOWN", "a client connection failed: " + detail);
        }
    }

    /** Drain, disable or enable a backend; takes effect for the next connection. */
    public Backend setAdminState(String backendName, AdminState state) {
        Backend b = backend(backendName);
        AdminState before = b.adminState();
        b.setAdminState(state);
        publish();
        if (before != state) {
            log.info("pool {}: backend {} is now {} (was {}); {} active connection{} continue", name, b,
                    state.lowerName(), before.lowerName(), b.activeConnections(),
                    b.activeConnections() == 1 ? "" : "s");
        }
        return b;
    }

    /** Changes a backend's weight until the next reload. */
    public Backend setWeight(String backendName, int weight) {
        Backend b = backend(backendName);
        int before = b.weight();
        b.setWeight(weight);
        publish();
        log.info("pool {}: weight of backend {} changed from {} to {}", name, b, before, weight);
        return b;
    }

    /** Hands the policy the current usable set again (after weights or backends were changed outside). */
    public void refresh() {
        publish();
    }

    private void onChange(Backend backend, String state, String why) {
        List<Backend> up = publish();
        String msg = "pool {}: backend {} is {} ({}); {} of {} backends up";
        if ("DOWN".equals(state)) {
            log.warn(msg, name, backend, state, why, up.size(), backends.size());
            if (up.isEmpty()) {
                log.error("pool {}: no backend is up: new connections are closed at once until one comes back", name);
            }
        } else {
            log.info(msg, name, backend, state, why, up.size(), backends.size());
        }
    }

    private synchronized List<Backend> publish() {
        // synchronized so that two changes at once cannot publish in the wrong order
        List<Backend> primaries = new ArrayList<>(backends.size());
        List<Backend> backups = new ArrayList<>();
        for (Backend b : backends) {
            if (b.isUsable()) {
                (b.backup() ? backups : primaries).add(b);
            }
        }
        boolean useBackups = primaries.isEmpty() && !backups.isEmpty();
        if (useBackups != onBackups) {
            onBackups = useBackups;
            if (useBackups) {
                log.warn("pool {}: no primary backend is usable; sending new connections to backups {}", name, backups);
            } else {
                log.info("pool {}: primaries usable again; backups get no new connections", name);
            }
        }
        policy.setEndpoints(useBackups ? backups : primaries);
        return up();
    }
}
