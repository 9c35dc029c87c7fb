package io.nexo.lb.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** CA certificates from a PEM file, for verifying clients ({@code tls-client-ca}) or backends ({@code backend-ca}). */
final class PemTrust {

    private PemTrust() {
    }

    /** @param what the setting that named the file, for the error message */
    static X509Certificate[] load(String what, Path file) {
        try {
            if (Files.size(file) > KeyedCertificate.MAX_FILE_BYTES) {
                throw new IllegalArgumentException(what + ": " + file + ": larger than "
                        + KeyedCertificate.MAX_FILE_BYTES + " bytes (expected: PEM CA certificates)");
            }
            List<X509Certificate> out = new ArrayList<>();
            try (InputStream in = Files.newInputStream(file)) {
                for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    out.add((X509Certificate) c);
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(what + ": " + file
                        + ": no certificate (expected: PEM CA certificates)");
            }
            return out.toArray(new X509Certificate[0]);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(what + ": " + file + ": " + e.getMessage(), e);
        }
    }
}
