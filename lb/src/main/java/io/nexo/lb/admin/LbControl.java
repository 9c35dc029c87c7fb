package io.nexo.lb.admin;

import io.nexo.lb.backend.AdminState;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.stats.LbStatus;
import java.util.List;

/** What the admin API may see and do in a running balancer. */
public interface LbControl {

    /** The current listeners, pools and backends with their counters. */
    LbStatus status();

    /**
     * Sets a backend's administrative state; takes effect for the next connection.
     *
     * @return the backend's status afterwards
     * @throws java.util.NoSuchElementException naming the pool or backend that does not exist
     */
    LbStatus.Backend setAdminState(String pool, String backend, AdminState state);

    /**
     * Changes a backend's weight at runtime (until the next reload, which applies the file's).
     *
     * @throws IllegalArgumentException for a weight out of range
     * @throws java.util.NoSuchElementException naming the pool or backend that does not exist
     */
    LbStatus.Backend setWeight(String pool, String backend, int weight);

    /**
     * Adds a backend to a pool until the next reload (which drops it unless the file lists it).
     *
     * @return the backend's status afterwards
     * @throws IllegalArgumentException when the pool already has a backend of that name or its address
     *         does not resolve
     * @throws java.util.NoSuchElementException naming the pool that does not exist
     */
    LbStatus.Backend addBackend(String pool, BackendConfig backend);

    /**
     * Removes a backend added by {@link #addBackend}: it takes no new connection, its open ones finish.
     *
     * @return the backend's status just before it left (its active connections drain)
     * @throws java.util.NoSuchElementException when the pool has no such run-time backend
     */
    LbStatus.Backend removeBackend(String pool, String backend);

    /**
     * Re-reads the configuration file and applies the difference without dropping connections.
     *
     * @return one line per change applied (empty when nothing changed)
     * @throws IllegalArgumentException (a {@code ConfigException}) when the new file is invalid; the
     *         running configuration is then untouched
     * @throws IllegalStateException when there is no file to reload (started from flags) or a new
     *         listener cannot bind
     */
    List<String> reload();
}
