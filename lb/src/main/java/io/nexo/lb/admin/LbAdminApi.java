package io.nexo.lb.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexo.core.admin.AdminRequest;
import io.nexo.core.admin.AdminResponse;
import io.nexo.core.admin.AdminRouter;
import io.nexo.core.metrics.MetricsRegistry;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.backend.AdminState;
import io.nexo.lb.config.BackendConfig;
import java.io.IOException;
import java.util.Map;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The balancer's admin routes (reference in docs/admin-api.md):
 *
 * <pre>
 * GET  /                                   stats page (HTML, refreshes itself from /api/status)
 * GET  /metrics                            Prometheus text format
 * GET  /api/status                         JSON: listeners, pools, backends, counters
 * POST /api/reload                         re-read the token file and the config file, apply without
 *                                          dropping connections
 * POST /api/backends/{pool}/{name}/drain   no new connections, existing ones finish
 * POST /api/backends/{pool}/{name}/disable maintenance: like drain, and health checks pause
 * POST /api/backends/{pool}/{name}/enable  back into rotation
 * POST /api/backends/{pool}/{name}/weight  body {"weight": N} or ?value=N
 * POST /api/pools/{pool}/backends          body {"address": "H:P", "weight": N, "backup": B, "name": S}
 * DELETE /api/pools/{pool}/backends/{name} a backend added at run time leaves; its connections finish
 * </pre>
 */
public final class LbAdminApi {

    private static final Logger log = LoggerFactory.getLogger(LbAdminApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private LbAdminApi() {
    }

    /** The routes without a token to re-read on reload. */
    public static AdminRouter router(LbControl control, MetricsRegistry metrics) {
        return router(control, metrics, () -> { });
    }

    /**
     * The routes; {@code reloadToken} runs first on {@code POST /api/reload} and refuses the whole
     * reload with its IllegalArgumentException when the token file became invalid.
     */
    public static AdminRouter router(LbControl control, MetricsRegistry metrics, Runnable reloadToken) {
        AdminResponse statsPage = AdminResponse.resource(LbAdminApi.class, "stats.html", "text/html; charset=utf-8");
        return new AdminRouter()
                .get("/", req -> statsPage)
                .get("/metrics", req -> new AdminResponse(200, MetricsRegistry.CONTENT_TYPE, metrics.scrape()))
                .get("/api/status", req -> AdminResponse.ok(control.status()))
                .post("/api/reload", req -> reload(control, reloadToken))
                .post("/api/backends/{pool}/{name}/{action}", req -> backendAction(control, req))
                .post("/api/pools/{pool}/backends", req -> notFoundAs404(() -> AdminResponse.json(201,
                        control.addBackend(req.param("pool"), runtimeBackend(req)))))
                .add("DELETE", "/api/pools/{pool}/backends/{name}", req -> notFoundAs404(() -> AdminResponse.ok(
                        control.removeBackend(req.param("pool"), req.param("name")))));
    }

    private static AdminResponse notFoundAs404(java.util.concurrent.Callable<AdminResponse> call) throws Exception {
        try {
            return call.call();
        } catch (NoSuchElementException e) {
            return AdminResponse.error(404, e.getMessage());
        }
    }

    /** {@code {"address": "127.0.0.1:9001", "weight": 2, "backup": false, "name": "b9"}}; address required. */
    private static BackendConfig runtimeBackend(AdminRequest req) {
        JsonNode body;
        try {
            body = req.body().length == 0 ? null : JSON.readTree(req.body());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject() || !body.path("address").isTextual()) {
            throw new IllegalArgumentException("body: expected {\"address\": \"HOST:PORT\"} with optional "
                    + "\"weight\" (1-" + BackendConfig.MAX_WEIGHT + "), \"backup\" (true/false), \"name\"");
        }
        JsonNode weight = body.path("weight");
        if (!weight.isMissingNode() && !weight.isIntegralNumber()) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: a whole number)");
        }
        JsonNode backup = body.path("backup");
        if (!backup.isMissingNode() && !backup.isBoolean()) {
            throw new IllegalArgumentException("backup: " + backup + " (expected: true or false)");
        }
        JsonNode name = body.path("name");
        return new BackendConfig(name.isTextual() ? name.asText() : null, HostAndPort.parse(body.get("address").asText()),
                weight.isMissingNode() ? BackendConfig.DEFAULT_WEIGHT : weight.asInt(), backup.asBoolean(false), 0);
    }

    private static AdminResponse reload(LbControl control, Runnable reloadToken) {
        try {
            reloadToken.run();
        } catch (IllegalArgumentException e) {
            log.error("reload refused, the running configuration and token stay: {}", e.getMessage());
            return AdminResponse.error(400, "reload refused: " + e.getMessage());
        }
        try {
            return AdminResponse.ok(Map.of("reloaded", true, "changes", control.reload()));
        } catch (IllegalArgumentException e) {
            // invalid file: the old configuration keeps running
            return AdminResponse.error(400, e.getMessage());
        } catch (IllegalStateException e) {
            return AdminResponse.error(409, e.getMessage());
        }
    }

    private static AdminResponse backendAction(LbControl control, AdminRequest req) throws IOException {
        String pool = req.param("pool");
        String name = req.param("name");
        String action = req.param("action");
        try {
            if (action.equals("weight")) {
                int weight = weightOf(req);
                log.info("admin: weight of {}/{} set to {}", pool, name, weight);
                return AdminResponse.ok(control.setWeight(pool, name, weight));
            }
            AdminState state = AdminState.fromAction(action);
            log.info("admin: {}/{} set to {}", pool, name, state.lowerName());
            return AdminResponse.ok(control.setAdminState(pool, name, state));
        } catch (NoSuchElementException e) {
            return AdminResponse.error(404, e.getMessage());
        }
    }

    private static int weightOf(AdminRequest req) throws IOException {
        String text = req.queryParam("value");
        if (text == null) {
            if (req.body().length == 0) {
                throw new IllegalArgumentException("weight: missing (expected: body {\"weight\": N} or ?value=N)");
            }
            JsonNode body;
            try {
                body = JSON.readTree(req.body());
            } catch (IOException e) {
                throw new IllegalArgumentException("body: not JSON (expected: {\"weight\": N})");
            }
            JsonNode w = body == null ? null : body.get("weight");
            if (w == null || !w.canConvertToInt() || !w.isIntegralNumber()) {
                throw new IllegalArgumentException("weight: " + w + " (expected: a whole number)");
            }
            return w.intValue();
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("weight: '" + text + "' (expected: a whole number)");
        }
    }
}
