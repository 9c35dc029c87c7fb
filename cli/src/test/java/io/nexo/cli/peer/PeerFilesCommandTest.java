package io.nexo.cli.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexo.cli.Nexo;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The file commands of {@code nexo peer}, two real nodes in-process, in --json mode and for people. */
class PeerFilesCommandTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /** One {@code nexo peer} running in-process with its stdin and stdout. */
    private static final class Peer {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final PipedOutputStream stdin = new PipedOutputStream();
        final CompletableFuture<Integer> running;

        Peer(String... args) throws IOException {
            CommandLine cl = Nexo.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            PeerCommand peer = cl.getSubcommands().get("peer").getCommand();
            peer.in = new PipedInputStream(stdin, 64 * 1024);
            peer.terminal = false;
            running = CompletableFuture.supplyAsync(() -> cl.execute(args));
        }

        void type(String line) throws IOException {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        String await(String regex) {
            Pattern p = Pattern.compile(regex);
            return org.awaitility.Awaitility.await().atMost(WAIT).until(() -> {
                Matcher m = p.matcher(out.toString());
                return m.find() ? m.group(m.groupCount() >= 1 ? 1 : 0) : null;
            }, v -> v != null);
        }

        int stop() throws Exception {
            if (!running.isDone()) {
                type("/quit");
            }
            return running.get(30, TimeUnit.SECONDS);
        }
    }

    private final List<Peer> peers = new ArrayList<>();

    private Peer start(String... args) throws IOException {
        Peer p = new Peer(args);
        peers.add(p);
        return p;
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Peer p : peers) {
            try {
                p.stdin.close();
                p.running.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already stopped
            }
        }
    }

    private Path randomFile(String name, int bytes) throws IOException {
        byte[] b = new byte[bytes];
        new Random(9).nextBytes(b);
        Files.createDirectories(tmp.resolve("share"));
        return Files.write(tmp.resolve("share").resolve(name), b);
    }

    @Test
    void sharedAtStartListedAndFetchedInJsonMode() throws Exception {
        Path file = randomFile("report.pdf", 5 * 1024 * 1024 + 17);
        Peer a = start("peer", "--json", "--listen", "127.0.0.1:0", "--data-dir", tmp.resolve("a").toString(),
                "--name", "alice", "--share", file.toString());
        String port = a.await("\"event\":\"ready\".*?\"listen\":\"127\\.0\\.0\\.1:(\\d+)\"");
        String id = a.await("\"event\":\"shared\",\"id\":\"([0-9a-f]{64})\",\"name\":\"report.pdf\",\"size\":5242897");
        Path downloads = tmp.resolve("dl");
        Peer b = start("peer", "--json", "--listen", "127.0.0.1:0", "--data-dir", tmp.resolve("b").toString(),
                "--name", "bob", "--join", "127.0.0.1:" + port, "--downloads", downloads.toString());
        b.await("\"event\":\"peer-connected\"");

        // typed from this thread: a PipedInputStream fails once a thread that wrote to it has ended
        await().atMost(WAIT).pollInSameThread().until(() -> {
            b.type("/files");
            return b.out.toString().contains("\"event\":\"files\",\"files\":[{\"id\":\"" + id
                    + "\",\"name\":\"report.pdf\",\"size\":5242897,\"peers\":1,\"local\":false}]");
        }, v -> v);
        b.type("/get " + id.substring(0, 10));
        String path = b.await("\"event\":\"file-complete\",\"id\":\"" + id + "\",\"name\":\"report.pdf\",\"path\":\"([^\"]+)\"");

        assertThat(Path.of(path)).isEqualTo(downloads.resolve("report.pdf").toAbsolutePath());
        assertThat(sha256(Path.of(path))).isEqualTo(sha256(file));
        assertThat(b.out.toString()).contains("\"event\":\"file-started\",\"id\":\"" + id + "\"")
                .contains("\"event\":\"file-progress\",\"id\":\"" + id + "\"");
        // chat lines are untouched by file announcements: nothing but JSON objects was printed
        assertThat(b.out.toString().lines()).allMatch(l -> l.startsWith("{\"event\":"));
        assertThat(a.stop()).isZero();
        assertThat(b.stop()).isZero();
    }

    @Test
    void consoleCommandsForPeopleAndTheirErrors() throws Exception {
        Path file = randomFile("notes.txt", 3000);
        Peer a = start("peer", "--listen", "127.0.0.1:0", "--data-dir", tmp.resolve("a").toString(), "--name", "alice");
        a.await("listening on 127\\.0\\.0\\.1:(\\d+)");
        a.type("/files");
        a.await("no files offered yet");
        a.type("/share " + file);
        String id = a.await("sharing notes\\.txt \\(2\\.9 KiB\\) id ([0-9a-f]{64})");
        a.type("/files");
        a.await("1 file\\(s\\):\\s+" + id.substring(0, 12) + "\\s+2\\.9 KiB\\s+1 peer\\(s\\)\\s+notes\\.txt\\s+\\(shared here\\)");
        a.type("/get ../../etc/passwd");
        a.await("! file id: '\\.\\./\\.\\./etc/passwd' \\(expected: 64 hex digits");
        a.type("/get " + "ab".repeat(32));
        a.await("! cannot download abababababab: no peer offers abababababab \\(see /files\\)");
        a.type("/share " + tmp.resolve("missing"));
        a.await("! cannot share .*missing");
        a.type("/downloads");
        a.await("no downloads in progress");
        a.type("/cancel " + "cd".repeat(32));
        a.await("! no download of cdcdcdcdcdcd in progress");
        a.type("/limits");
        a.await("refused at decode: none"); // the node's counters, then the file exchange's
        a.await("UNREQUESTED_BLOCK\\s+0  unrequested blocks dropped");
        a.type("/help");
        a.await("/get ID \\[DEST\\]");
        assertThat(a.stop()).isZero();
    }

    @Test
    void badFileFlagsExit2WithOneLine() throws Exception {
        Peer p = start("peer", "--listen", "127.0.0.1:0", "--data-dir", tmp.resolve("a").toString(),
                "--share", tmp.resolve("nope").toString());
        assertThat(p.running.get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(p.err.toString().strip()).isEqualTo("nexo peer: --share: " + tmp.resolve("nope") + " does not exist");
        Peer q = start("peer", "--listen", "127.0.0.1:0", "--data-dir", tmp.resolve("b").toString(),
                "--max-uploads", "2", "--max-uploads-per-peer", "3");
        assertThat(q.running.get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(q.err.toString().strip()).isEqualTo("nexo peer: --max-uploads-per-peer: 3 (expected: 1-2)");
    }

    private static byte[] sha256(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }
}
