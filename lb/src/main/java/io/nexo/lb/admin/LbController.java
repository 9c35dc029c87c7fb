package io.nexo.lb.admin;

import io.nexo.lb.ListenException;
import io.nexo.lb.LoadBalancer;
import io.nexo.lb.backend.AdminState;
import io.nexo.lb.backend.Backend;
import io.nexo.lb.config.BackendConfig;
import io.nexo.lb.config.BalancerConfig;
import io.nexo.lb.config.ConfigLoader;
import io.nexo.lb.stats.LbStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * {@link LbControl} over a running {@link LoadBalancer}: the admin API and SIGHUP both come here.
 * Reload re-reads the file the balancer was started with (and with it every certificate file), or,
 * started from flags, the {@code --tls-cert} files; an invalid file or a listener that cannot bind
 * leaves the running configuration as it was, and says why in the log and to the caller.
 */
public final class LbController implements LbControl {

    private static final Logger log = LoggerFactory.getLogger(LbController.class);

    private final LoadBalancer lb;
    private final Optional<Path> configFile;

    /** @param configFile the file to re-read on reload; empty when started from flags */
    public LbController(LoadBalancer lb, Optional<Path> configFile) {
        this.lb = lb;
        this.configFile = configFile;
    }

    @Override
    public LbStatus status() {
        return lb.status();
    }

    @Override
    public LbStatus.Backend setAdminState(String pool, String backend, AdminState state) {
        lb.setAdminState(pool, backend, state);
        return find(pool, backend);
    }

    @Override
    public LbStatus.Backend setWeight(String pool, String backend, int weight) {
        lb.setWeight(pool, backend, weight);
        return find(pool, backend);
    }

    @Override
    public LbStatus.Backend addBackend(String pool, BackendConfig backend) {
        try {
            lb.addBackend(pool, backend);
        } catch (ListenException e) {
            throw new IllegalStateException(e.getMessage(), e); // cannot happen: no listener changes
        }
        log.info("admin: backend {} ({}) added to pool {} until the next reload", backend.name(), backend.address(), pool);
        return find(pool, backend.name());
    }

    @Override
    public LbStatus.Backend removeBackend(String pool, String backend) {
        LbStatus.Backend before = find(pool, backend);
        try {
            lb.removeBackend(pool, backend);
        } catch (ListenException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        log.info("admin: backend {} removed from pool {}; its {} open connection(s) finish", backend, pool,
                before.active());
        return before;
    }

    private LbStatus.Backend find(String pool, String backend) {
        return lb.status().pools().stream().filter(p -> p.name().equals(pool))
                .flatMap(p -> p.backends().stream()).filter(b -> b.name().equals(backend))
                .findFirst().orElseThrow(() -> new NoSuchElementException("no backend " + pool + "/" + backend));
    }

    @Override
    public synchronized List<String> reload() {
        if (configFile.isEmpty()) {
            if (lb.routes().stream().anyMatch(r -> r.tls() != null)) {
                return reloadCertificates();
            }
            log.warn("reload asked for, but nexo lb was started from flags: nothing to reload");
            throw new IllegalStateException("nothing to reload: nexo lb was started from flags, not --config FILE");
        }
        Path file = configFile.get();
        log.info("reload: reading {}", file);
        BalancerConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (IllegalArgumentException e) {
            log.error("reload refused, the running configuration stays: {}", e.getMessage());
            throw e;
        }
        try {
            return lb.reload(next);
        } catch (ListenException e) {
            log.error("reload refused, the running configuration stays: {}", e.getMessage());
            throw new IllegalStateException("reload refused: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // e.g. a new backend name that does not resolve
            String message = file + ": " + e.getMessage();
            log.error("reload refused, the running configuration stays: {}", message);
            throw new IllegalArgumentException(message, e);
        }
    }

    /**
     * Started from flags with {@code --tls-cert}: re-reads the certificate files (a changed file on
     * disk comes here too). A bad file is refused whole; the certificates in service stay.
     */
    public synchronized List<String> reloadCertificates() {
        try {
            return lb.reloadCertificates();
        } catch (IllegalArgumentException e) {
            log.error("certificate reload refused, the certificates in service stay: {}", e.getMessage());
            throw e;
        }
    }

    /** The certificate (and client CA) files in service, for the {@code CertificateWatcher}. */
    public List<Path> certificateFiles() {
        return lb.routes().stream().filter(r -> r.tls() != null).flatMap(r -> r.tls().files().stream())
                .distinct().toList();
    }

    /** The backend object, for tests and the CLI. */
    Backend backend(String pool, String backend) {
        return lb.pool(pool).backend(backend);
    }
}
