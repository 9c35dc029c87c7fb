package io.nexo.p2p.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code ip netns} and {@code iptables} commands the namespace tests run (EclipseTest, NatLab),
 * each to its end within a bounded time.
 */
public final class Netns {
    private static final long COMMAND_SECONDS = 30;

    private Netns() {
    }

    /** The prefix that runs a command inside namespace {@code ns}. */
    public static List<String> exec(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    /** {@code prefix} followed by {@code command}. */
    public static List<String> in(String ns, String... command) {
        List<String> all = new ArrayList<>(exec(ns));
        all.addAll(List.of(command));
        return all;
    }

    /** Runs a command to its end (30 s at most); its exit code, or -1 when it cannot run or time out. */
    public static int run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Runs a command to its end; throws, with the command and its output, unless it exits 0. */
    public static void runOrThrow(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            boolean ended = p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no exit within " + COMMAND_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }
}
