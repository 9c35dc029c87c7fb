package io.nexo.lb.tls;

import io.netty.handler.ssl.SslContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One set of loaded certificates and the choice among them by SNI: an exact DNS name first, then a
 * wildcard name (browser rules, {@link ServerNames}), else the first certificate. Immutable: a reload
 * builds a new one.
 */
final class SniCertificateMapping {

    /** A certificate and the context that serves it. */
    record Entry(KeyedCertificate certificate, SslContext context) {
    }

    /** The chosen entry and the name that matched it ({@code null}: the default, a miss). */
    record Selection(Entry entry, String matched) {
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byName = new LinkedHashMap<>();

    SniCertificateMapping(List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no certificates");
        }
        this.entries = List.copyOf(entries);
        for (Entry e : entries) {
            for (String name : e.certificate().dnsNames()) {
                byName.putIfAbsent(name, e); // an earlier file wins a name two files share
            }
        }
    }

    Selection select(String host) {
        if (host != null) {
            Entry exact = byName.get(host);
            if (exact != null && !host.startsWith("*.")) {
                return new Selection(exact, host);
            }
            String wildcard = ServerNames.wildcardFor(byName.keySet(), host);
            if (wildcard != null) {
                return new Selection(byName.get(wildcard), wildcard);
            }
        }
        return new Selection(entries.get(0), null);
    }

    List<KeyedCertificate> certificates() {
        List<KeyedCertificate> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.certificate()));
        return out;
    }
}
