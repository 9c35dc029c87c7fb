package io.nexo.core.admin;

import io.nexo.core.net.HostAndPort;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before routing, whether an admin request may run, so that no web page an operator visits
 * can drive the API (docs/admin-api.md, "Access"). In this order:
 *
 * <pre>
 * Host not the admin's address, localhost or an allowed name   -> 421 (DNS rebinding)
 * unsafe method (POST...) with a foreign Origin or
 *   Sec-Fetch-Site cross-site/same-site                        -> 403 (cross-site request), token or not
 * unsafe method with a Content-Type other than application/json -> 415 (HTML forms, text/plain CSRF)
 * /api/... (and /metrics when protected) without the bearer token -> 401
 * </pre>
 *
 * Each refusal is counted by status. The token is re-read by {@link #reloadToken()}; a bad file
 * leaves the old token in force.
 */
public final class AdminAccessPolicy {

    private static final Logger log = LoggerFactory.getLogger(AdminAccessPolicy.class);

    private final AdminAccessConfig config;
    private final String ownHost;
    private final Map<Integer, LongAdder> refusals = new ConcurrentHashMap<>();
    private volatile AdminToken token;

    private AdminAccessPolicy(AdminAccessConfig config, HostAndPort listen) {
        this.config = config;
        this.ownHost = listen.host().toLowerCase(Locale.ROOT);
        this.token = config.tokenFile().map(AdminToken::read).orElse(null);
    }

    /**
     * The policy of an admin API listening on {@code listen}; reads the token file now.
     *
     * @throws IllegalArgumentException when the token file is missing, empty, too short or world-readable
     */
    public static AdminAccessPolicy of(AdminAccessConfig config, HostAndPort listen) {
        return new AdminAccessPolicy(config, listen);
    }

    /** Host and Origin checks only: what an admin API without a token file gets. */
    public static AdminAccessPolicy hostChecksOnly(HostAndPort listen) {
        return new AdminAccessPolicy(AdminAccessConfig.DEFAULT, listen);
    }

    /**
     * Re-reads the token file (nothing to do without one).
     *
     * @throws IllegalArgumentException when the file is now invalid; the previous token stays in force
     */
    public void reloadToken() {
        if (config.tokenFile().isPresent()) {
            token = AdminToken.read(config.tokenFile().get());
            log.info("admin: token re-read from {}", config.tokenFile().get());
        }
    }

    /** Whether {@code address} is a loopback address ({@code localhost}, 127.0.0.0/8, ::1); names are not. */
    public static boolean isLoopback(HostAndPort address) {
        if (address.host().equalsIgnoreCase("localhost")) {
            return true;
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(address.host());
        try {
            return ip != null && InetAddress.getByAddress(ip).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false; // not reached: the length was checked by the parser
        }
    }

    /** Refusals so far by HTTP status (401, 403, 415, 421), for metrics and tests. */
    public Map<Integer, Long> refusals() {
        Map<Integer, Long> out = new TreeMap<>();
        refusals.forEach((status, n) -> out.put(status, n.sum()));
        return out;
    }

    /**
     * The refusal for this request, or {@code null} when it may be routed.
     *
     * @param local the address the request's connection came in on (the admin's own, even on a wildcard bind)
     */
    AdminResponse check(String method, String rawPath, HttpHeaders headers, InetAddress local) {
        String host = headers.get(HttpHeaderNames.HOST);
        if (host == null || !hostAllowed(hostPart(host), local)) {
            return refuse(421, "Host '" + host + "' is not this admin API's address "
                    + "(allow a name with --admin-allow-host)");
        }
        if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")) {
            String origin = headers.get(HttpHeaderNames.ORIGIN);
            if (origin != null && !origin.equalsIgnoreCase("http://" + host)) {
                return refuse(403, "cross-origin request from " + origin + " refused");
            }
            String site = headers.get("Sec-Fetch-Site");
            if (site != null && !site.equals("same-origin") && !site.equals("none")) {
                return refuse(403, "cross-site request (Sec-Fetch-Site: " + site + ") refused");
            }
            String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
            if (type != null && !mediaType(type).equals("application/json")) {
                return refuse(415, "Content-Type " + type + " (expected: application/json or none)");
            }
        }
        AdminToken current = token;
        boolean needsToken = rawPath.equals("/api") || rawPath.startsWith("/api/")
                || (config.protectMetrics() && rawPath.equals("/metrics"));
        if (current != null && needsToken && !current.matches(bearer(headers))) {
            return refuse(401, "missing or wrong token (expected: Authorization: Bearer <token>)");
        }
        return null;
    }

    private AdminResponse refuse(int status, String message) {
        refusals.computeIfAbsent(status, s -> new LongAdder()).increment();
        return AdminResponse.error(status, message);
    }

    private boolean hostAllowed(String host, InetAddress local) {
        if (host == null) {
            return false;
        }
        if (host.equals(ownHost) || host.equals("localhost") || config.allowedHosts().contains(host)) {
            return true;
        }
        // the IP literal the client connected to (e.g. 127.0.0.1 for --admin localhost:9000, or one
        // address of a wildcard bind): an IP literal cannot be rebound to another server
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        return literal != null && local != null && Arrays.equals(unmapped(literal), unmapped(local.getAddress()));
    }

    /** An IPv4-mapped IPv6 address as its 4 IPv4 bytes; anything else as is. */
    private static byte[] unmapped(byte[] ip) {
        boolean mapped = ip.length == 16 && ip[10] == (byte) 0xff && ip[11] == (byte) 0xff
                && Arrays.equals(ip, 0, 10, new byte[10], 0, 10);
        return mapped ? Arrays.copyOfRange(ip, 12, 16) : ip;
    }

    /**
     * {@code "Example.org:9000"} -> {@code "example.org"}, {@code "[::1]:9000"} -> {@code "::1"}; null if
     * malformed.
     */
    static String hostPart(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0 || (close + 1 < h.length() && h.charAt(close + 1) != ':')) {
                return null;
            }
            h = h.substring(1, close);
            return NetUtil.isValidIpV6Address(h) ? new HostAndPort(h, 0).host() : null;
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (h.indexOf(':', colon + 1) >= 0) {
                return null; // an IPv6 literal must be bracketed in Host
            }
            h = h.substring(0, colon);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static String bearer(HttpHeaders headers) {
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "";
        }
        return auth.substring(7).trim();
    }
}
