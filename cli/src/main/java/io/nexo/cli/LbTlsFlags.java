package io.nexo.cli;

import io.nexo.core.config.Durations;
import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.BackendTlsConfig;
import io.nexo.lb.config.ListenerTlsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The TLS flags of {@code nexo lb}: termination on the listener, SNI passthrough routes, TLS towards
 * the backends. Each is the listener or pool key of the same name in a file (docs/lb-config.md);
 * {@link LbFlags} builds the records from them.
 */
final class LbTlsFlags {

    /** Flag -> default as help prints it ({@code null}: none). */
    static final Map<String, String> DEFAULTS = defaults();

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Terminate TLS on --listen with this PEM file (certificate chain and its PKCS#8, PKCS#1 "
                    + "or SEC1 key; RSA or ECDSA). Repeat for several: each client gets the one whose DNS names "
                    + "match its SNI (wildcards as browsers match them); the first serves the others. Backends "
                    + "get plaintext. Reloaded on SIGHUP, POST /api/reload and when a file changes.")
    List<Path> certificates;

    @Option(names = "--tls-alpn", paramLabel = "PROTOCOLS", split = ",",
            description = "With --tls-cert: ALPN protocols offered, in preference order, e.g. h2,http/1.1 "
                    + "(default: no ALPN).")
    List<String> alpn;

    @Option(names = "--tls-min-version", paramLabel = "VERSION",
            description = "With --tls-cert: oldest TLS version accepted, TLSv1.2 or TLSv1.3 "
                    + "(default: ${DEFAULT-VALUE}).")
    String minVersion;

    @Option(names = "--tls-client-ca", paramLabel = "FILE",
            description = "With --tls-cert: require a client certificate signed by a CA in this PEM file.")
    Path clientCa;

    @Option(names = "--sni-route", paramLabel = "NAME=HOST:PORT[,HOST:PORT...]",
            converter = SniRouteConverter.class,
            description = "Without --tls-cert: pass TLS through by SNI. Clients whose ClientHello names NAME "
                    + "(exact, or *.example.com for one label) go, undecrypted, round-robin to these backends. "
                    + "Repeatable. Unknown names go to --backend only if given explicitly, else are closed; "
                    + "non-TLS clients are closed.")
    List<SniRoute> sniRoutes;

    @Option(names = "--sni-timeout", paramLabel = "DURATION",
            description = "Time a client may take to send its ClientHello (terminating: to finish the handshake) "
                    + "before it is closed (default: ${DEFAULT-VALUE}).")
    Duration sniTimeout;

    @Option(names = "--backend-tls",
            description = "Speak TLS to the backends (re-encrypt), sending the backend's host as SNI and verifying "
                    + "its certificate for that name against --backend-ca (default: the JVM's trust store).")
    boolean backendTls;

    @Option(names = "--backend-ca", paramLabel = "FILE",
            description = "With --backend-tls: the CA certificates (PEM) backend certificates must chain to.")
    Path backendCa;

    @Option(names = "--backend-insecure",
            description = "With --backend-tls: do not verify backend certificates (testing only; logged as a warning).")
    boolean backendInsecure;

    /** One {@code --sni-route}: a server name and its backends. */
    record SniRoute(String name, List<HostAndPort> backends) {
    }

    boolean routesBySni() {
        return sniRoutes != null && !sniRoutes.isEmpty();
    }

    /** The pool a route's backends form, named after the route ({@code *} spelt {@code wildcard}). */
    static String poolName(String route) {
        return "sni-" + route.toLowerCase(java.util.Locale.ROOT).replace("*", "wildcard");
    }

    BackendTlsConfig backendTls() {
        return new BackendTlsConfig(backendTls, Optional.ofNullable(backendCa), backendInsecure);
    }

    /** @param routePools route name -> pool name, as {@link #poolName} made them */
    ListenerTlsConfig listenerTls(Map<String, String> routePools) {
        return new ListenerTlsConfig(certificates == null ? List.of() : certificates,
                alpn == null ? List.of() : alpn, minVersion, Optional.ofNullable(clientCa), routePools, sniTimeout);
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("--tls-cert", null);
        d.put("--tls-alpn", null);
        d.put("--tls-min-version", ListenerTlsConfig.DEFAULT_MIN_VERSION);
        d.put("--tls-client-ca", null);
        d.put("--sni-route", null);
        d.put("--sni-timeout", Durations.format(ListenerTlsConfig.DEFAULT_SNI_TIMEOUT));
        d.put("--backend-tls", null);
        d.put("--backend-ca", null);
        d.put("--backend-insecure", null);
        return java.util.Collections.unmodifiableMap(d);
    }

    /** File key -> flag, for validation messages. */
    static void keyToFlag(Map<String, String> m) {
        for (String flag : DEFAULTS.keySet()) {
            m.put(flag.substring(2), flag);
        }
    }

    /** {@code a.example.com=127.0.0.1:9001,127.0.0.1:9002}. */
    static final class SniRouteConverter implements CommandLine.ITypeConverter<SniRoute> {
        @Override
        public SniRoute convert(String value) {
            int eq = value.indexOf('=');
            if (eq <= 0 || eq == value.length() - 1) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' (expected: NAME=HOST:PORT[,HOST:PORT...], e.g. a.example.com=127.0.0.1:9001)");
            }
            List<HostAndPort> backends = new ArrayList<>();
            for (String address : value.substring(eq + 1).split(",")) {
                try {
                    backends.add(HostAndPort.parse(address.trim()));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.TypeConversionException("'" + value + "': " + e.getMessage());
                }
            }
            return new SniRoute(value.substring(0, eq).trim(), backends);
        }
    }
}
