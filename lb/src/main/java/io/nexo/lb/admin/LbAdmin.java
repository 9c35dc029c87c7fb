package io.nexo.lb.admin;

import io.nexo.core.admin.AdminAccessPolicy;
import io.nexo.core.admin.AdminServer;
import io.nexo.core.metrics.MetricsRegistry;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.stats.LbMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

/** Starts the admin HTTP server of a balancer: stats page, metrics, status and control. */
public final class LbAdmin {

    /** The statuses {@link AdminAccessPolicy} refuses with, each a series of nexo_admin_refused_total. */
    private static final int[] REFUSALS = {401, 403, 415, 421};

    private LbAdmin() {
    }

    /** Binds {@code address} with Host and Origin checks and no token (tests, loopback-only setups). */
    public static AdminServer start(HostAndPort address, LbControl control) {
        return start(address, AdminAccessPolicy.hostChecksOnly(address), control);
    }

    /**
     * Binds {@code address} (exactly that address; nothing else is chosen for the user) and serves the
     * requests {@code access} lets through; {@code POST /api/reload} re-reads its token first.
     *
     * @throws IllegalStateException naming the address when it cannot be bound
     */
    public static AdminServer start(HostAndPort address, AdminAccessPolicy access, LbControl control) {
        MetricsRegistry metrics = new MetricsRegistry();
        LbMetrics.register(metrics, control::status);
        metrics.register((Collector) () -> {
            CounterSnapshot.Builder refused = CounterSnapshot.builder().name("nexo_admin_refused")
                    .help("Admin API requests refused: 401 no token, 403 cross-site, 415 content type, 421 Host.");
            var counts = access.refusals();
            for (int status : REFUSALS) {
                refused.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .value(counts.getOrDefault(status, 0L)).labels(Labels.of("status", String.valueOf(status)))
                        .build());
            }
            return refused.build();
        });
        return AdminServer.start(address, LbAdminApi.router(control, metrics, access::reloadToken), access);
    }
}
