package io.nexo.p2p.relay;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.net.FileEvents;
import io.nexo.p2p.files.net.FileExchange;
import io.nexo.p2p.files.net.FileExchangeConfig;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.PeerEvent;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A nexo node with file exchange as a process on a {@code NatLab} host, for {@code RelayNatLabTest}
 * and {@code NatLabFigures}: {@code NAME LISTEN [JOIN [punch]]} with the default relay settings (relay on,
 * reservations auto) but hole punching off: the relay carries the session until a {@code punch}
 * command (HolePunchLabTest covers the punch a relayed session starts by itself). With {@code punch}
 * hole punching is on as by default, so a relayed session punches by itself. Prints one line
 * per event ({@code ready ID PORT}, {@code reachability STATUS}, {@code relayed ADDRESS}, {@code connected ID direct|relayed}, {@code direct FROM TEXT},
 * {@code fetched FILEID MILLIS} (from its {@code get}), then {@code complete FILEID SHA256}) and obeys
 * one command per stdin line: {@code connect TARGET}, {@code msg ID TEXT}, {@code share PATH},
 * {@code has FILEID}, {@code get FILEID}, {@code relaystats}, {@code punch ID IP:PORT} (one hole-punch
 * dial from the listening port now, the other side doing the same: {@code punch true|false MILLIS}),
 * {@code holepunch ID} (joins or starts the node's own hole punch with that peer:
 * {@code holepunch true|false MILLIS} when it ends),
 * {@code path ID} ({@code path ID direct|relayed punched=true|false}). Ends when stdin closes or on
 * SIGTERM, deleting its data folder (downloads included).
 */
public final class RelayLabMain {
    private static final PrintStream OUT = System.out;

    private RelayLabMain() {
    }

    private static synchronized void say(String line) {
        OUT.println(line);
        OUT.flush();
    }

    public static void main(String[] args) throws Exception {
        Path data = Files.createTempDirectory("nexo-lab-" + args[0]);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(data)));
        Map<FileId, Long> getAt = new ConcurrentHashMap<>();
        List<DialTarget> join = args.length > 2 ? List.of(DialTarget.parse(args[2])) : List.of();
        FileExchange.NodeListener toFiles = new FileExchange.NodeListener();
        // hole punching off unless asked: the relay must carry the session until a punch command
        boolean punch = args.length > 3 && args[3].equals("punch");
        PeerNode node = new PeerNode(PeerNodeConfig.of(NodeIdentity.generate(), args[0], HostAndPort.parse(args[1]))
                .withBootstrap(join).withRelay(RelayConfig.defaults().withHolePunch(punch)), e -> {
                    toFiles.onEvent(e);
                    print(e);
                });
        FileExchange files = new FileExchange(node, FileExchangeConfig.defaults(data)
                .withAnnounceInterval(Duration.ofSeconds(2)), new FileEvents() {
                    @Override
                    public void onComplete(FileId id, String name, Path path) {
                        Long start = getAt.remove(id);
                        if (start != null) {
                            say("fetched " + id.hex() + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                        }
                        say("complete " + id.hex() + " " + sha256(path));
                    }

                    @Override
                    public void onFailed(FileId id, String name, String reason) {
                        say("failed " + id.hex() + " " + reason);
                    }
                });
        toFiles.bind(files);
        files.start();
        HostAndPort at = node.start();
        say("ready " + node.peerId() + " " + at.port());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null) {
            String[] w = line.split(" ", 3);
            try {
                switch (w[0]) {
                    case "connect" -> node.connect(DialTarget.parse(w[1])).whenComplete((p, err) ->
                            say(err != null ? "connect-failed " + err.getMessage() : "connect-ok " + p.id() + " " + p.path()));
                    case "msg" -> node.sendDirect(w[1], w[2]).whenComplete((p, err) ->
                            say(err != null ? "send-failed " + err.getMessage() : "sent " + p.id() + " " + p.path()));
                    case "share" -> {
                        FileId id = files.share(Path.of(w[1])).get(0).manifest().id();
                        say("shared " + id.hex());
                    }
                    case "has" -> { // whether an announcement of the file has reached this node
                        FileId id = FileId.parse(w[1]);
                        say("has " + w[1] + " " + files.files().stream().anyMatch(o -> o.id().equals(id)));
                    }
                    case "get" -> {
                        FileId id = FileId.parse(w[1]);
                        getAt.put(id, System.nanoTime());
                        files.get(id, Optional.empty()).get(30, TimeUnit.SECONDS);
                    }
                    case "punch" -> {
                        long start = System.nanoTime();
                        boolean ok = node.punchNow(PeerId.parse(w[1]), List.of(HostAndPort.parse(w[2])))
                                .get(30, TimeUnit.SECONDS);
                        say("punch " + ok + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    }
                    case "holepunch" -> {
                        long start = System.nanoTime();
                        node.holePunch(PeerId.parse(w[1])).whenComplete((ok, err) -> say("holepunch "
                                + (err == null && ok) + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
                    }
                    case "path" -> {
                        PeerId peer = PeerId.parse(w[1]);
                        String path = node.peers().stream().filter(p -> p.id().equals(peer)).map(PeerInfo::path)
                                .findFirst().orElse("none");
                        say("path " + w[1] + " " + path + " punched=" + node.isHolePunched(peer));
                    }
                    case "relaystats" -> {
                        RelayStats.Snapshot s = node.relay().orElseThrow().stats();
                        say("relaystats " + s.bytesForwarded() + " " + s.circuitsSpliced() + " " + s.reservations());
                    }
                    default -> say("unknown " + w[0]);
                }
            } catch (Exception e) {
                say("error " + e);
            }
        }
        files.close();
        node.close();
    }

    private static void print(PeerEvent e) {
        if (e instanceof PeerEvent.ReachabilityChanged r) {
            say("reachability " + r.status().label() + r.address().map(a -> " " + a).orElse(""));
        } else if (e instanceof PeerEvent.RelayChanged r && r.reserved()) {
            say("relayed " + r.address());
        } else if (e instanceof PeerEvent.PeerConnected c) {
            PeerInfo p = c.peer();
            say("connected " + p.id() + " " + p.path());
        } else if (e instanceof PeerEvent.DirectReceived d) {
            say("direct " + d.fromName() + " " + d.text());
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort at exit: a temporary folder left behind is all that can go wrong
        }
    }

    private static String sha256(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (Exception e) {
            return "error-" + e;
        }
    }
}
