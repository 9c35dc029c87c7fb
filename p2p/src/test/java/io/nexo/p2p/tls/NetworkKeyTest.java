package io.nexo.p2p.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkKeyTest {

    @TempDir
    Path tmp;

    @Test
    void randomKeysPassAndPasswordsOrRepetitionsDoNot() {
        byte[] random = new byte[32];
        new Random(3).nextBytes(random);
        assertThat(NetworkKey.estimatedBits(random)).isGreaterThan(128);
        assertThat(NetworkKey.estimatedBits("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                .getBytes(StandardCharsets.US_ASCII))).isGreaterThan(128);
        assertThat(NetworkKey.estimatedBits("correct horse battery staple".getBytes(StandardCharsets.US_ASCII)))
                .isLessThan(128);
        assertThat(NetworkKey.estimatedBits("a".repeat(1000).getBytes(StandardCharsets.US_ASCII))).isZero();
        assertThat(NetworkKey.estimatedBits(new byte[16])).isZero();
    }

    @Test
    void aKeyFileThatDoesNotLookRandomIsRefusedWithTheWayOut() throws Exception {
        Path weak = Files.writeString(tmp.resolve("weak.key"), "hunter2hunter2hunter2hunter2\n");
        assertThatThrownBy(() -> NetworkKey.fromFile(weak)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("network key " + weak + ": 29 bytes with about ")
                .hasMessageEndingWith("bits of randomness (expected: at least 128; nexo peer --new-network-key FILE writes a random one)");
    }

    @Test
    void aNewKeyIsRandomOwnerOnlyAndNeverOverwritesAFile() throws Exception {
        Path f = tmp.resolve("net.key");
        NetworkKey.writeNew(f, new SecureRandom());
        assertThat(Files.readString(f)).matches("[0-9a-f]{64}\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        NetworkKey.fromFile(f); // accepted
        String first = Files.readString(f);
        assertThatThrownBy(() -> NetworkKey.writeNew(f, new SecureRandom())).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(f)).isEqualTo(first);
    }
}
