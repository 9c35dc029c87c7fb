package io.nexo.lb.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexo.lb.testing.TestCertificates;
import io.nexo.lb.testing.TestCertificates.KeyFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

class KeyedCertificateTest {

    @TempDir
    Path dir;

    @Test
    void readsEcdsaAndRsaKeysInEveryForm() throws Exception {
        TestCertificates ca = TestCertificates.authority("CA");
        int i = 0;
        for (boolean ec : new boolean[] {true, false}) {
            for (KeyFormat format : KeyFormat.values()) {
                Path file = TestCertificates.write(dir.resolve("c" + i++ + ".pem"),
                        ca.issue(ec, Duration.ofDays(10), "x.example.com", "*.y.example.com"), format);
                String pem = Files.readString(file);
                assertThat(pem).contains(format == KeyFormat.PKCS8 ? "BEGIN PRIVATE KEY"
                        : ec ? "BEGIN EC PRIVATE KEY" : "BEGIN RSA PRIVATE KEY");
                KeyedCertificate c = KeyedCertificate.load(file);
                assertThat(c.key().getAlgorithm()).isEqualTo(ec ? "EC" : "RSA");
                assertThat(c.chain()).hasSize(2);
                assertThat(c.dnsNames()).containsExactly("x.example.com", "*.y.example.com");
            }
        }
    }

    @Test
    void refusesAFileWithoutKeyOrCertificateOrWithAKeyOfAnotherCertificate() throws Exception {
        TestCertificates ca = TestCertificates.authority("CA");
        Path one = TestCertificates.write(dir.resolve("one.pem"), ca.issue("one.example.com"), KeyFormat.PKCS8);
        Path two = TestCertificates.write(dir.resolve("two.pem"), ca.issue("two.example.com"), KeyFormat.PKCS8);
        String oneText = Files.readString(one);
        String twoText = Files.readString(two);
        String oneCerts = oneText.substring(0, oneText.indexOf("-----BEGIN PRIVATE KEY"));
        String twoKey = twoText.substring(twoText.indexOf("-----BEGIN PRIVATE KEY"));

        Path noKey = Files.writeString(dir.resolve("nokey.pem"), oneCerts);
        assertThatThrownBy(() -> KeyedCertificate.load(noKey)).hasMessage(noKey + ": no private key "
                + "(expected: PKCS#8, PKCS#1 or SEC1 PEM)");
        Path noCert = Files.writeString(dir.resolve("nocert.pem"), twoKey);
        assertThatThrownBy(() -> KeyedCertificate.load(noCert)).hasMessageStartingWith(noCert + ": no certificate");
        Path mismatch = Files.writeString(dir.resolve("mismatch.pem"), oneCerts + twoKey);
        assertThatThrownBy(() -> KeyedCertificate.load(mismatch))
                .hasMessage(mismatch + ": the private key does not match the first certificate");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> KeyedCertificate.load(missing)).hasMessageStartingWith(missing + ": cannot read");
    }
}
