package io.nexo.p2p.testing;

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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running a test main class on the test class path, optionally inside a network
 * namespace, with its stdin writable and its stdout read line by line in order, each line with the
 * moment it arrived (for figures taken from a child's output, e.g. NatLabFigures).
 */
public final class LabProcess implements AutoCloseable {
    /** The JVM options of a child unless given: small, quick to start (C1 only), for tests. */
    public static final List<String> TEST_JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** One line of a child's stdout and when it was read ({@link System#nanoTime()}). */
    public record Line(String text, long nanos) {
    }

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<Line> unread = new LinkedBlockingQueue<>();
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> err = new CopyOnWriteArrayList<>();

    private LabProcess(String name, List<String> command) throws IOException {
        this.name = name;
        process = new ProcessBuilder(command).start();
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), line -> {
            out.add(line); // first: a line handed to nextLine must already be in out()
            unread.add(new Line(line, System.nanoTime()));
        });
        pump(process.getErrorStream(), err::add);
    }

    /** Starts {@code main} with {@code args} under {@code prefix} (e.g. {@code ip netns exec NS}, or none). */
    public static LabProcess java(String name, List<String> prefix, Class<?> main, String... args) throws IOException {
        return java(name, prefix, TEST_JVM, main, args);
    }

    /** As {@link #java(String, List, Class, String...)}, with these JVM options instead of {@link #TEST_JVM}. */
    public static LabProcess java(String name, List<String> prefix, List<String> jvmOptions, Class<?> main,
                                  String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new LabProcess(name, cmd);
    }

    private void pump(java.io.InputStream in, java.util.function.Consumer<String> into) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    into.accept(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "lab-pump-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** Writes one line to the process's stdin. */
    public void type(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /**
     * The next stdout line (after those returned before) that matches, waiting at most
     * {@code within}; lines before it that do not match are skipped.
     */
    public String nextLine(Predicate<String> matching, Duration within) throws InterruptedException {
        return nextTimedLine(matching, within).text();
    }

    /** As {@link #nextLine}, with the moment the line arrived. */
    public Line nextTimedLine(Predicate<String> matching, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Line line = unread.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError(name + ": no expected line within " + within + "; stdout: " + out
                        + "\nstderr: " + err + (process.isAlive() ? "" : "\nexited " + process.exitValue()));
            }
            if (matching.test(line.text())) {
                return line;
            }
        }
    }

    /** Everything printed on stdout so far. */
    public List<String> out() {
        return List.copyOf(out);
    }

    /** Everything printed on stderr so far. */
    public List<String> err() {
        return List.copyOf(err);
    }

    /** Waits for the process to exit (bounded); its exit code. */
    public int awaitExit(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + within + "; stdout: " + out + " stderr: " + err);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
