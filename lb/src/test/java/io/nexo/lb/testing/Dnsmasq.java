package io.nexo.lb.testing;

import io.nexo.core.net.HostAndPort;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real DNS server for tests: dnsmasq (Debian package {@code dnsmasq-base}) answering only from a
 * hosts file and {@code --srv-host} options, on 127.0.0.1.
 *
 * <p>dnsmasq cannot be told to bind port 0 and report the port, and probing a free port then handing it
 * over would race with other processes. So it is started on a random high port and, if that port is
 * taken, dnsmasq itself says so by exiting ("failed to create listening socket"); the next attempt
 * takes another random port. dnsmasq logs "started" to stderr once its sockets are bound: that line,
 * not a sleep, says it is ready. SIGHUP re-reads the hosts file.
 */
public final class Dnsmasq implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    private static final int ATTEMPTS = 8;

    private final Process process;
    private final int port;
    private final ExecutorService reader;

    private Dnsmasq(Process process, int port, ExecutorService reader) {
        this.process = process;
        this.port = port;
        this.reader = reader;
    }

    /** Skips the calling test when dnsmasq is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "dnsmasq is not installed (" + BINARY + "; Debian package dnsmasq-base): DNS discovery tests skipped");
    }

    /**
     * Starts dnsmasq answering from {@code hostsFile} plus {@code options} (e.g.
     * {@code --srv-host=_app._tcp.test,a.test,8080,0,5}).
     */
    public static Dnsmasq start(Path hostsFile, List<String> options) throws IOException, InterruptedException {
        assumeInstalled();
        String lastFailure = "";
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--keep-in-foreground", "--no-resolv",
                    "--no-hosts", "--addn-hosts=" + hostsFile, "--listen-address=127.0.0.1", "--bind-interfaces",
                    "--port=" + port, "--pid-file", "--log-facility=-", "--conf-file=/dev/null", "--cache-size=0",
                    "--user=" + System.getProperty("user.name")));
            cmd.addAll(options);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dnsmasq-output");
                t.setDaemon(true);
                return t;
            });
            Future<String> ready = reader.submit(() -> awaitStarted(p));
            String outcome;
            try {
                outcome = ready.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                outcome = "no output: " + e;
            }
            if (outcome.contains("started")) {
                reader.submit(() -> p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream()));
                return new Dnsmasq(p, port, reader);
            }
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            reader.shutdownNow();
            lastFailure = outcome;
        }
        throw new IOException("dnsmasq did not start in " + ATTEMPTS + " attempts; last: " + lastFailure);
    }

    /** Reads dnsmasq's output until it says it started (returns that line) or exits (returns its output). */
    private static String awaitStarted(Process p) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder all = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.contains("started, version")) {
                return line;
            }
            all.append(line).append('\n');
        }
        return all.toString();
    }

    public HostAndPort address() {
        return new HostAndPort("127.0.0.1", port);
    }

    /** Re-reads the hosts file. */
    public void reload() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -HUP " + process.pid() + " failed");
        }
    }

    /** Stops the server (its port stops answering). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        reader.shutdownNow();
    }
}
