package io.nexo.p2p.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeFileNameTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"report.pdf", "photo 2024-06-01.jpg", "ünïcödé файл.txt", "a", "icon.txt.bak",
        "COM10.txt", "name.with.dots.tar.gz"})
    void acceptsOrdinaryNames(String name) {
        assertThat(SafeFileName.check(name)).isEqualTo(name);
        assertThat(SafeFileName.resolveInside(dir, name)).isEqualTo(dir.toAbsolutePath().resolve(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../etc/passwd", "..\\windows\\system32", "/etc/passwd", "a/b", "a\\b",
        "C:\\x", "c:evil", "nul\u0000.txt", ".bashrc", "...", ".. ", "trailing.", "trailing ", "CON", "con.txt",
        "Nul", "COM1", "com1.log", "LPT9.doc", "aux.", "bad\nname", "bell\u0007", "a|b", "what?", "star*",
        "quote\"d", "<tag>", "evil\u202Etxt.exe", "del\u007f"})
    void rejectsHostileNames(String name) {
        assertThatThrownBy(() -> SafeFileName.check(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("file name '");
        assertThatThrownBy(() -> SafeFileName.resolveInside(dir, name)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SafeFileName.isSafe(name)).isFalse();
    }

    @Test
    void rejectsOverlongNamesByUtf8Bytes() {
        assertThat(SafeFileName.isSafe("a".repeat(255))).isTrue();
        assertThat(SafeFileName.isSafe("a".repeat(256))).isFalse();
        // 128 two-byte characters: 256 bytes although only 128 chars
        assertThatThrownBy(() -> SafeFileName.check("é".repeat(128))).hasMessageContaining("longer than 255 bytes");
    }

    @Test
    void sanitizesLocalNamesIntoSafeOnes() {
        assertThat(SafeFileName.sanitize(".bashrc")).isEqualTo("bashrc");
        assertThat(SafeFileName.sanitize("a:b|c?.txt")).isEqualTo("a_b_c_.txt");
        assertThat(SafeFileName.sanitize("con.txt")).isEqualTo("_con.txt");
        assertThat(SafeFileName.sanitize("...")).isEqualTo("file");
        assertThat(SafeFileName.sanitize("x".repeat(300) + ".txt")).hasSize(255).endsWith(".txt");
        assertThat(SafeFileName.sanitize("evil\u202Etxt.exe")).isEqualTo("evil_txt.exe");
    }
}
