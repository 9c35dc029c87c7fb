package io.nexo.core.admin;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Maps {@code METHOD /path/{param}} routes to handlers. A path that matches no route gets 404; a
 * path that matches only with another method gets 405 with an {@code Allow} list. Segments in braces
 * match any one non-empty segment and are passed to the handler by name.
 *
 * <p>Routes are registered before the server starts; the router is then only read, from the admin
 * event loop.
 */
public final class AdminRouter {

    /** Handles one routed request; exceptions become 400 (IllegalArgumentException) or 500. */
    @FunctionalInterface
    public interface Handler {
        AdminResponse handle(AdminRequest request) throws Exception;
    }

    private record Route(String method, String[] segments, Handler handler) {
    }

    /**
     * The outcome of matching a path: the handler and its parameters, or the 404/405 response and,
     * for 405, the methods to list in {@code Allow}.
     */
    record Match(Handler handler, Map<String, String> params, AdminResponse failure, String allow) {
    }

    private final List<Route> routes = new ArrayList<>();

    public AdminRouter get(String pattern, Handler handler) {
        return add("GET", pattern, handler);
    }

    public AdminRouter post(String pattern, Handler handler) {
        return add("POST", pattern, handler);
    }

    /** Adds a route; {@code pattern} starts with "/" and may hold {@code {name}} segments. */
    public synchronized AdminRouter add(String method, String pattern, Handler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("route: '" + pattern + "' (expected: a path starting with /)");
        }
        routes.add(new Route(method, split(pattern), handler));
        return this;
    }

    /** Matches a raw (still percent-encoded) path; parameters are decoded per segment. */
    synchronized Match match(String method, String path) {
        String[] segments = split(path);
        TreeSet<String> allowed = new TreeSet<>();
        for (Route route : routes) {
            Map<String, String> params = bind(route.segments(), segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method) || (method.equals("HEAD") && route.method().equals("GET"))) {
                return new Match(route.handler(), params, null, null);
            }
            allowed.add(route.method());
        }
        if (allowed.isEmpty()) {
            return new Match(null, Map.of(), AdminResponse.error(404, "no such resource: " + path), null);
        }
        String allow = String.join(", ", allowed);
        return new Match(null, Map.of(), AdminResponse.error(405,
                method + " not allowed on " + path + " (allowed: " + allow + ")"), allow);
    }

    private static Map<String, String> bind(String[] pattern, String[] path) {
        if (pattern.length != path.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                if (path[i].isEmpty()) {
                    return null;
                }
                params.put(p.substring(1, p.length() - 1), QueryStringDecoder.decodeComponent(path[i]));
            } else if (!p.equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    private static String[] split(String path) {
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return trimmed.equals("/") ? new String[0] : trimmed.substring(1).split("/", -1);
    }
}
