package io.nexo.cli.peer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where {@code nexo peer} keeps its key and address book when {@code --data-dir} is not given:
 * {@code $XDG_DATA_HOME/nexo} when that variable holds an absolute path (XDG Base Directory spec),
 * unless {@code $HOME/.nexo} already exists (an identity made before stays in use); otherwise
 * {@code $HOME/.nexo}. {@code $HOME} is read from the environment, as the shell sees it: Java's
 * {@code user.home} comes from the password database and ignores it, so two terminals with
 * different {@code HOME}s would share one identity. {@code user.home} is the fallback without {@code HOME}.
 */
final class DefaultDataDir {

    private DefaultDataDir() {
    }

    static Path resolve(Map<String, String> env, String userHome) {
        String home = env.get("HOME");
        Path legacy = Path.of(home != null && !home.isBlank() ? home : userHome, ".nexo");
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() && !Files.isDirectory(legacy)) {
            return Path.of(xdg, "nexo");
        }
        return legacy;
    }
}
