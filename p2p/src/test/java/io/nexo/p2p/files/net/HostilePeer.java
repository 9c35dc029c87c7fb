package io.nexo.p2p.files.net;

import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.nexo.core.net.HostAndPort;
import io.nexo.p2p.discovery.DialTarget;
import io.nexo.p2p.discovery.DiscoveryParams;
import io.nexo.p2p.files.FileId;
import io.nexo.p2p.files.proto.FileMessage;
import io.nexo.p2p.identity.NodeIdentity;
import io.nexo.p2p.identity.PeerId;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.node.PeerNodeConfig;
import io.nexo.p2p.session.PeerSession;
import io.nexo.p2p.wire.BinaryFrame;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A hostile peer for file exchange tests: a real {@link PeerNode} (real TLS handshake, real
 * session) without file exchange, connected to one victim, that sends hand-made {@code files/1}
 * frames and can stop reading its socket. A minimal stand-in for the shared hostile-peer driver.
 */
final class HostilePeer implements AutoCloseable {

    private final PeerNode node;
    private final PeerSession session;

    private HostilePeer(PeerNode node, PeerSession session) {
        this.node = node;
        this.session = session;
    }

    /** Starts a node in {@code dataDir} that dials {@code victim} and waits for the session. */
    static HostilePeer connect(Path dataDir, String name, PeerNode victim) throws Exception {
        PeerNodeConfig config = PeerNodeConfig.of(NodeIdentity.loadOrCreate(dataDir), name,
                        new HostAndPort("127.0.0.1", 0))
                .withDataDir(dataDir)
                .withBootstrap(List.of(DialTarget.of(victim.listenAddress())))
                .withDiscovery(DiscoveryParams.defaults().withDegree(1, 50));
        PeerNode node = new PeerNode(config, event -> { });
        node.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> node.session(victim.peerId()).isPresent()
                && victim.session(node.peerId()).isPresent());
        return new HostilePeer(node, node.session(victim.peerId()).orElseThrow());
    }

    PeerId peerId() {
        return node.peerId();
    }

    /** Sends {@code msg} as a {@code files/1} frame, with no queue bound (the attacker does not care). */
    void send(FileMessage msg) {
        session.sendBinary(FileFrames.message(PooledByteBufAllocator.DEFAULT, msg));
    }

    /**
     * Sends {@code count} copies of {@code msg}, flushed in batches (so they travel in few TLS
     * records, as fast as a flooder would send them), and waits until they are written to the socket.
     */
    void sendMany(FileMessage msg, int count) throws InterruptedException {
        CountDownLatch written = new CountDownLatch(count);
        Channel ch = session.channel();
        ch.eventLoop().execute(() -> {
            for (int i = 0; i < count; i++) {
                ch.write(FileFrames.message(PooledByteBufAllocator.DEFAULT, msg)).addListener(f -> written.countDown());
                if (i % 256 == 255) {
                    ch.flush();
                }
            }
            ch.flush();
        });
        if (!written.await(120, TimeUnit.SECONDS)) {
            throw new AssertionError(written.getCount() + " of " + count + " frames not written in 120 s");
        }
    }

    /** Sends a block of chunk {@code index} of {@code id} at {@code offset} that nobody asked for. */
    void sendBlock(FileId id, int index, int offset, int bytes) {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[bytes]);
        BinaryFrame frame = FileFrames.blocks(PooledByteBufAllocator.DEFAULT, id, index, data).get(0);
        data.release();
        ByteBuf content = frame.content();
        content.setInt(content.readerIndex() + 1 + FileId.BYTES + 4, offset);
        session.sendBinary(frame);
    }

    /** Stops reading the socket: what the victim sends piles up in the kernel buffers, then in its own queue. */
    void stopReading() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        session.channel().eventLoop().execute(() -> {
            session.channel().config().setAutoRead(false);
            done.countDown();
        });
        done.await(5, TimeUnit.SECONDS);
    }

    /** True while the session with the victim is open. */
    boolean connected() {
        return session.isOpen();
    }

    @Override
    public void close() {
        node.close();
    }
}
