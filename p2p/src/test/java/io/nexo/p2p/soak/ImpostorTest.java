package io.nexo.p2p.soak;

import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.node.LogCapture;
import io.nexo.p2p.node.PeerInfo;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.TestNodes;
import io.nexo.p2p.tls.NetworkKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Impostors: a peer with another key than the one pinned, a replay of a genuine node's recorded
 * handshake, a node with the wrong network key, a plaintext peer. Each is rejected, logged exactly
 * once (one WARN line per attempt, no storm and no silence), and leaves no session and no
 * descriptor behind.
 */
class ImpostorTest {

    /** Descriptors a JVM may open meanwhile on its own (a lazily loaded jar, a timer's pipe). */
    private static final int FD_SLACK = 4;

    private final TestNodes net = new TestNodes();
    @RegisterExtension
    final LogCapture logs = new LogCapture("io.nexo.p2p");

    @AfterEach
    void close() {
        net.close();
    }

    /** Rejection lines ("rejected inbound|outbound ...: reason") with {@code direction} and {@code fragment}. */
    private long rejections(String direction, String fragment) {
        return logs.messages().stream()
                .filter(m -> m.startsWith("rejected " + direction) && m.contains(fragment)).count();
    }

    /** Exactly one such rejection line, and still one a moment later (no retry storm). */
    private void loggedOnce(String direction, String fragment) {
        await().atMost(Duration.ofSeconds(5)).until(() -> rejections(direction, fragment) >= 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> rejections(direction, fragment) == 1);
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static void awaitFdsBackTo(long before) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(openFds()).as("open descriptors (before: %d)", before).isLessThanOrEqualTo(before + FD_SLACK));
    }

    @Test
    void aKeyOtherThanThePinnedOneIsRejected() throws Exception {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob");
        PeerNode carol = net.start("carol");
        long fds = openFds();

        // carol pins bob's id but the address is alice's: alice's certificate proves another key
        assertThatThrownBy(() -> carol.connect(DialTarget.of(bob.peerId(), alice.listenAddress())).join())
                .isInstanceOf(CompletionException.class);
        loggedOnce("outbound", "but " + bob.peerId() + " was pinned");
        assertThat(carol.peers()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> alice.peers().isEmpty());
        awaitFdsBackTo(fds);
    }

    @Test
    void aReplayedHandshakeIsRejected() throws Exception {
        PeerNode alice = net.start("alice");
        PeerNode bob = net.start("bob");
        // bob dials alice through a relay that records what bob sends: a genuine, complete handshake
        try (RecordingRelay relay = new RecordingRelay(alice.listenAddress())) {
            PeerInfo seen = bob.connect(DialTarget.of(alice.peerId(), relay.address())).join();
            assertThat(seen.id()).isEqualTo(alice.peerId());
            await().atMost(Duration.ofSeconds(5)).until(() -> alice.peers().size() == 1);
            byte[] recorded = relay.clientBytes();
            assertThat(recorded.length).as("recorded handshake bytes").isGreaterThan(500);
            long fds = openFds();

            // the attacker replays bob's bytes verbatim on a new connection: TLS 1.3 gives the new
            // session fresh keys, so the recorded Finished and records cannot verify
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.connect(alice.listenAddress().toSocketAddress(), 5_000);
                try {
                    s.getOutputStream().write(recorded);
                } catch (IOException alreadyClosed) {
                    // alice may close before the whole recording is written: also a rejection
                }
                drain(s.getInputStream());
            }
            loggedOnce("inbound", "TLS");
            assertThat(alice.peers()).extracting(PeerInfo::id).containsExactly(bob.peerId());
            awaitFdsBackTo(fds);
        }
    }

    @Test
    void aWrongNetworkKeyIsRejected() throws Exception {
        NetworkKey key = new NetworkKey("the members' secret, 32 bytes...".getBytes(StandardCharsets.UTF_8));
        NetworkKey wrong = new NetworkKey("a guess at that secret, 32 bytes".getBytes(StandardCharsets.UTF_8));
        PeerNode alice = net.start(TestNodes.config("alice").withNetworkKey(key));
        PeerNode stranger = net.start(TestNodes.config("stranger").withNetworkKey(wrong));
        long fds = openFds();

        assertThatThrownBy(() -> stranger.connect(DialTarget.of(alice.listenAddress())).join())
                .isInstanceOf(CompletionException.class);
        // each side checks the other's proof; whichever closes first spares the other its check, so:
        // exactly one line at the stranger (which dialled), at most one at alice
        loggedOnce("outbound", "network key differs");
        assertThat(rejections("inbound", "network key differs")).isLessThanOrEqualTo(1);
        assertThat(alice.peers()).isEmpty();
        assertThat(stranger.peers()).isEmpty();
        awaitFdsBackTo(fds);
    }

    @Test
    void aPlaintextPeerIsRejected() throws Exception {
        PeerNode alice = net.start("alice");
        long fds = openFds();
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(alice.listenAddress().toSocketAddress(), 5_000);
            OutputStream out = s.getOutputStream();
            out.write("hi, it's the seed's chat\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            drain(s.getInputStream());
        }
        loggedOnce("inbound", "not an SSL/TLS record");
        assertThat(alice.peers()).isEmpty();
        assertThat(net.events(alice).chatTexts()).isEmpty();
        awaitFdsBackTo(fds);
    }

    /** Reads until the node closes the connection (a TLS alert at most comes first). */
    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (java.net.SocketException reset) {
            // closed with a reset: rejected all the same
        }
    }

    /** Forwards one TCP connection to {@code target}, keeping a copy of what the client sent. */
    private static final class RecordingRelay implements AutoCloseable {
        private final ServerSocket server;
        private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        private final Thread acceptor;
        private volatile Socket client;
        private volatile Socket upstream;

        RecordingRelay(HostAndPort target) throws IOException {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    client = server.accept();
                    upstream = new Socket();
                    upstream.connect(target.toSocketAddress(), 5_000);
                    Thread back = new Thread(() -> pump(upstream, client, null), "relay-back");
                    back.setDaemon(true);
                    back.start();
                    pump(client, upstream, fromClient);
                } catch (IOException e) {
                    // closed
                }
            }, "relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        HostAndPort address() {
            return HostAndPort.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        }

        byte[] clientBytes() {
            synchronized (fromClient) {
                return fromClient.toByteArray();
            }
        }

        private static void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
            byte[] buf = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (copy != null) {
                        synchronized (copy) {
                            copy.write(buf, 0, n);
                        }
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : new Socket[] {client, upstream}) {
                if (s != null) {
                    s.close();
                }
            }
            try {
                acceptor.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
