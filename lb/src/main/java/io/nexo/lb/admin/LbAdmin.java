package io.nexo.lb.admin;

import io.nexo.core.admin.AdminServer;
import io.nexo.core.metrics.MetricsRegistry;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.stats.LbMetrics;

/** Starts the admin HTTP server of a balancer: stats page, metrics, status and control. */
public final class LbAdmin {

    private LbAdmin() {
    }

    /**
     * Binds {@code address} (exactly that address; nothing else is chosen for the user).
     *
     * @throws IllegalStateException naming the address when it cannot be bound
     */
    public static AdminServer start(HostAndPort address, LbControl control) {
        MetricsRegistry metrics = new MetricsRegistry();
        LbMetrics.register(metrics, control::status);
        return AdminServer.start(address, LbAdminApi.router(control, metrics));
    }
}
