package io.nexo.cli.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts {@code nexo} as a real child process, from the test classpath.
 *
 * <p>The JVM is started through {@code env --default-signal=HUP,INT,TERM} where GNU env has it:
 * a process started from a background job inherits SIGINT (and, under nohup, SIGHUP) as ignored,
 * and the JVM then never sees them, so tests that send signals would depend on how the build was
 * launched.
 */
public final class NexoCommandLine {

    private static final Path ENV = Path.of("/usr/bin/env");

    private NexoCommandLine() {
    }

    /** {@code [env --default-signal=...] java JVM_OPTIONS -cp CLASSPATH io.nexo.cli.Nexo}; append the arguments. */
    public static List<String> javaNexo(String... jvmOptions) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(ENV) && envResetsSignals()) {
            cmd.addAll(List.of(ENV.toString(), "--default-signal=HUP,INT,TERM"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.nexo.cli.Nexo"));
        return cmd;
    }

    private static volatile Boolean envResetsSignals;

    /** GNU coreutils 8.31 and later; busybox and BSD env lack the option. */
    private static boolean envResetsSignals() {
        Boolean known = envResetsSignals;
        if (known == null) {
            try {
                Process p = new ProcessBuilder(ENV.toString(), "--default-signal=INT", "true")
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                known = p.waitFor() == 0;
            } catch (Exception e) {
                known = false;
            }
            envResetsSignals = known;
        }
        return known;
    }
}
