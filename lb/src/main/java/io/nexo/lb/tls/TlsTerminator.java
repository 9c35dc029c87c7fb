package io.nexo.lb.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.nexo.lb.config.ListenerTlsConfig;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TLS termination for one listener: its certificates (chosen per connection by SNI), ALPN, minimum
 * version and optional client-certificate check. {@link #reload} re-reads the files and swaps the
 * certificates for new connections only; connections already open keep the session they have.
 */
public final class TlsTerminator {

    /** A ClientHello is a few hundred bytes to a few KiB; a longer one is refused before it is buffered. */
    public static final int MAX_CLIENT_HELLO_BYTES = 16 * 1024;

    private final ListenerTlsConfig config;
    private final TlsStats stats;
    private volatile SniCertificateMapping mapping;

    /** Loads the certificates now; a bad file throws {@link IllegalArgumentException} naming it. */
    public TlsTerminator(ListenerTlsConfig config, TlsStats stats) {
        if (!config.terminates()) {
            throw new IllegalArgumentException("tls-cert: none (expected: at least one to terminate TLS)");
        }
        this.config = config;
        this.stats = stats;
        this.mapping = load();
    }

    /**
     * Reads every file again and returns the swap that puts them in service; nothing changes when a
     * file is bad (the exception names it), so a caller can check every listener before swapping any.
     */
    public Runnable prepareReload() {
        SniCertificateMapping next = load();
        return () -> mapping = next;
    }

    /** A handler that reads the ClientHello (bounded in size and time) and replaces itself by the TLS one. */
    public SniHandler newHandler() {
        return new SniHandler(this::contextFor, MAX_CLIENT_HELLO_BYTES, config.sniTimeout().toMillis());
    }

    private SslContext contextFor(String host) {
        SniCertificateMapping.Selection s = mapping.select(host);
        stats.sni(s.matched());
        return s.entry().context();
    }

    public TlsStats stats() {
        return stats;
    }

    /** The files whose change should reload this listener: certificates and the client CA. */
    public List<Path> files() {
        List<Path> files = new ArrayList<>(config.certificates());
        config.clientCa().ifPresent(files::add);
        return files;
    }

    /** Each certificate file in service and when its leaf expires. */
    public Map<Path, Instant> expiries() {
        Map<Path, Instant> out = new LinkedHashMap<>();
        for (KeyedCertificate c : mapping.certificates()) {
            out.put(c.file(), c.notAfter());
        }
        return out;
    }

    private SniCertificateMapping load() {
        List<SniCertificateMapping.Entry> entries = new ArrayList<>();
        for (Path file : config.certificates()) {
            KeyedCertificate cert = KeyedCertificate.load(file);
            entries.add(new SniCertificateMapping.Entry(cert, context(cert)));
        }
        return new SniCertificateMapping(entries);
    }

    private SslContext context(KeyedCertificate cert) {
        SslContextBuilder b = SslContextBuilder.forServer(cert.key(), cert.chain())
                .sslProvider(TlsProviders.provider())
                .protocols(TlsProviders.protocols(config.minVersion()));
        if (!config.alpn().isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, config.alpn()));
        }
        if (config.clientCa().isPresent()) {
            Path ca = config.clientCa().get();
            b.trustManager(PemTrust.load("tls-client-ca", ca)).clientAuth(ClientAuth.REQUIRE);
        }
        try {
            return b.build();
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new IllegalArgumentException(cert.file() + ": cannot build a TLS context: " + e.getMessage(), e);
        }
    }
}
