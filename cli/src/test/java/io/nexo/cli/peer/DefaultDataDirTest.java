package io.nexo.cli.peer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultDataDirTest {

    @TempDir
    Path tmp;

    @Test
    void homeFromTheEnvironmentWinsOverUserHome() {
        assertThat(DefaultDataDir.resolve(Map.of("HOME", tmp.resolve("a").toString()), "/nonexistent/java-home"))
                .isEqualTo(tmp.resolve("a/.nexo"));
        assertThat(DefaultDataDir.resolve(Map.of(), tmp.resolve("java").toString())).isEqualTo(tmp.resolve("java/.nexo"));
        assertThat(DefaultDataDir.resolve(Map.of("HOME", ""), tmp.resolve("java").toString())).isEqualTo(tmp.resolve("java/.nexo"));
    }

    @Test
    void xdgDataHomeWhenAbsoluteAndNoExistingDataDir() throws Exception {
        Path home = tmp.resolve("home");
        Map<String, String> env = Map.of("HOME", home.toString(), "XDG_DATA_HOME", tmp.resolve("xdg").toString());
        assertThat(DefaultDataDir.resolve(env, "/unused")).isEqualTo(tmp.resolve("xdg/nexo"));
        assertThat(DefaultDataDir.resolve(Map.of("HOME", home.toString(), "XDG_DATA_HOME", "relative/dir"), "/unused"))
                .isEqualTo(home.resolve(".nexo"));
        Files.createDirectories(home.resolve(".nexo"));
        assertThat(DefaultDataDir.resolve(env, "/unused")).isEqualTo(home.resolve(".nexo"));
    }
}
