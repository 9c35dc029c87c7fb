package io.nexo.cli.peer;

import io.nexo.cli.testing.NexoCommandLine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/** A real {@code nexo} JVM, started as a user would, with its stdin writable and stdout collected. */
final class NexoProcess implements AutoCloseable {
    private final Process process;
    private final Writer stdin;
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();

    NexoProcess(Path home, String... args) throws IOException {
        this(List.of(), home, args);
    }

    /** Runs the JVM under {@code prefix} (e.g. {@code ip netns exec NS}). */
    NexoProcess(List<String> prefix, Path home, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(NexoCommandLine.javaNexo("-Duser.home=" + home, "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // the home a user's shell would give it: nexo peer reads $HOME (and XDG_DATA_HOME) for its data dir
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("XDG_DATA_HOME");
        process = pb.start();
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), out);
        pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), err);
    }

    private static void pump(BufferedReader r, List<String> into) {
        Thread t = new Thread(() -> {
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    into.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "nexo-process-pump");
        t.setDaemon(true);
        t.start();
    }

    void type(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    String awaitLine(Predicate<String> p) {
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> out.stream().anyMatch(p));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("expected line not printed; stdout: " + out + "\nstderr: " + err, e);
        }
        return out.stream().filter(p).findFirst().orElseThrow();
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("nexo did not exit; stdout: " + out + " stderr: " + err);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
